package dev.turbo4j.core.chat;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The global functions Hugging Face adds to the chat-template environment:
 * {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class TemplateFunctions {
    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: the template rejects the conversation. */
    static Object raiseException(String message) {
        throw new ConversationRejectedException(message);
    }

    /** {@code strftime_now(format)}: the local time now, formatted as Python's strftime would. */
    static String strftimeNow(String format) {
        return strftime(LocalDateTime.now(), format);
    }

    /** Python's {@code strftime} for the common directives (and glibc's {@code %-d} style, no padding). */
    static String strftime(LocalDateTime time, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            boolean unpadded = directive == '-' && i + 1 < format.length();
            if (unpadded) {
                directive = format.charAt(++i);
            }
            String pattern = switch (directive) {
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'm' -> unpadded ? "M" : "MM";
                case 'd' -> unpadded ? "d" : "dd";
                case 'H' -> unpadded ? "H" : "HH";
                case 'I' -> unpadded ? "h" : "hh";
                case 'M' -> unpadded ? "m" : "mm";
                case 'S' -> unpadded ? "s" : "ss";
                case 'j' -> unpadded ? "D" : "DDD";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'p' -> "a";
                default -> null;
            };
            if (pattern != null) {
                out.append(DateTimeFormatter.ofPattern(pattern, Locale.US).format(time));
            } else if (directive == '%') {
                out.append('%');
            } else {
                out.append('%').append(directive);
            }
        }
        return out.toString();
    }
}
