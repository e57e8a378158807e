# Sourced by ./turbo4j and scripts/test.sh: finds a JDK >= 25 and exports JAVA_HOME.
# Order: $JAVA_HOME if it is >= 25, then the newest /usr/lib/jvm/* that is.
turbo4j_java_version() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1
}
turbo4j_find_jdk() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate="${candidate%/}"
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    version="$(turbo4j_java_version "$candidate")"
    version="${version%%.*}"
    if [ -n "$version" ] && [ "$version" -ge 25 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! TURBO4J_JDK="$(turbo4j_find_jdk)"; then
  echo "turbo4j: needs a JDK 25 or newer (javac and the jdk.incubator.vector module)." >&2
  echo "  Looked at \$JAVA_HOME (${JAVA_HOME:-unset}) and /usr/lib/jvm/*." >&2
  echo "  Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$TURBO4J_JDK"
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
if ! command -v mvn >/dev/null 2>&1; then
  echo "turbo4j: needs Apache Maven (mvn) to build; install it (Debian: apt-get install maven)." >&2
  exit 1
fi
