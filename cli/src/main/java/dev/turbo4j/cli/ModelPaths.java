package dev.turbo4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves MODEL arguments: a folder, or the bundled demo model when none is given. */
final class ModelPaths {
    static final String DEMO = "models/kjv-llama-tiny";

    private ModelPaths() {
    }

    /** The folder the user named, or the demo model; a clear error when it does not exist. */
    static Path resolve(String arg) {
        if (arg != null && arg.isBlank()) { // an unset $MODEL, say: not the demo model in silence
            throw new UserException("the model path is empty (give the path of a Hugging Face model folder,"
                    + " or leave it out for the demo model)");
        }
        if (arg == null) {
            Path home = Path.of(System.getProperty("turbo4j.home", "."));
            return home.resolve(DEMO).normalize();
        }
        Path p = Path.of(arg);
        if (Files.isRegularFile(p)) {
            throw new UserException(arg + ": is a file; give the model's folder" + (p.getParent() == null ? ""
                    : " (" + p.getParent() + ")"));
        }
        if (!Files.isDirectory(p)) {
            throw new UserException(arg + ": model folder not found (give the path of a Hugging Face model folder)");
        }
        return p;
    }
}
