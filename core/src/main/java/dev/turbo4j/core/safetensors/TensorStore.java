package dev.turbo4j.core.safetensors;

import dev.turbo4j.core.model.ModelJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.model.ModelLoadException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * All tensors of a model folder: model.safetensors, or the shards listed by
 * model.safetensors.index.json, or (failing both) every *.safetensors file in the folder.
 * Every file is memory-mapped in one arena; closing the store unmaps them.
 */
public final class TensorStore implements AutoCloseable {
    private final Path dir;
    private final Arena arena;
    private final Map<String, TensorInfo> tensors;
    /** Names {@link #get} has handed out: what loading used. */
    private final Set<String> used = ConcurrentHashMap.newKeySet();
    private final List<SafetensorsFile> files;
    private boolean closed;

    private TensorStore(Path dir, Arena arena, Map<String, TensorInfo> tensors, List<SafetensorsFile> files) {
        this.dir = dir;
        this.arena = arena;
        this.tensors = tensors;
        this.files = files;
    }

    /** Opens the weights of a model folder. */
    public static TensorStore open(Path dir) {
        List<Path> paths = weightFiles(dir);
        Arena arena = Arena.ofShared();
        try {
            Map<String, TensorInfo> all = new LinkedHashMap<>();
            List<SafetensorsFile> files = new ArrayList<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p, arena);
                files.add(f);
                for (TensorInfo t : f.tensors().values()) {
                    if (all.put(t.name(), t) != null) {
                        throw new ModelLoadException(p + ": tensor '" + t.name() + "' also appears in another shard");
                    }
                }
            }
            return new TensorStore(dir, arena, Collections.unmodifiableMap(all), List.copyOf(files));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static List<Path> weightFiles(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            return shardsFromIndex(dir, index);
        }
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> any = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")
                    && !p.getFileName().toString().startsWith(".")).sorted().toList(); // not "._x" (macOS) files
            if (!any.isEmpty()) {
                return any;
            }
        } catch (IOException e) {
            throw new ModelLoadException(dir + ": cannot list the folder: " + e.getMessage(), e);
        }
        boolean hasBin = Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"));
        throw new ModelLoadException(dir + ": no weights found (looked for model.safetensors, model.safetensors.index.json, *.safetensors)"
                + (hasBin ? "; pytorch_model.bin is not supported, convert it to safetensors first" : ""));
    }

    private static List<Path> shardsFromIndex(Path dir, Path index) {
        JsonNode root = ModelJson.read(index);
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new ModelLoadException(index + ": has no \"weight_map\" object");
        }
        TreeSet<String> names = new TreeSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
            names.add(it.next().asText());
        }
        List<Path> shards = new ArrayList<>();
        for (String n : names) {
            // A plain file name in this folder: an index naming "../x" or "/etc/x" is refused.
            if (n.isEmpty() || n.contains("/") || n.contains("\\") || n.equals("..") || n.equals(".")) {
                throw new ModelLoadException(index + ": shard \"" + n + "\" is not a file name in the model folder");
            }
            Path p = dir.resolve(n);
            if (!Files.isRegularFile(p)) {
                throw new ModelLoadException(p + ": shard listed in " + index.getFileName() + " is missing");
            }
            shards.add(p);
        }
        return shards;
    }

    public Path dir() {
        return dir;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor, or a clear error naming the folder and the missing tensor. */
    public TensorInfo get(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelLoadException(dir + ": tensor '" + name + "' is missing from the safetensors files");
        }
        used.add(name);
        return t;
    }

    /** The tensors no {@link #get} has asked for, in name order. */
    public List<String> unusedTensors() {
        return tensors.keySet().stream().filter(name -> !used.contains(name)).sorted().toList();
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Bytes of all mapped files. */
    public long mappedBytes() {
        long n = 0;
        for (SafetensorsFile f : files) {
            for (TensorInfo t : f.tensors().values()) {
                n += t.data().byteSize();
            }
        }
        return n;
    }

    /** Unmaps the files; tensors must not be used afterwards. Closing twice is harmless. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
