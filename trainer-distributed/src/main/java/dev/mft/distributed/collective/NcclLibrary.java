package dev.mft.distributed.collective;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and loads {@code libnccl.so.2} and {@code libcudart.so.12}, which the JavaCPP bindings
 * ({@code org.bytedeco:cuda}, without its 2 GB redist jar) need from the system: an explicit path, the library path,
 * the usual CUDA and distribution folders, a Python install's {@code nvidia-nccl-cu12} / {@code nvidia-cuda-runtime-cu12}
 * wheels. Loading them first by full path satisfies the JNI wrappers' dependencies. A missing library is an error
 * that lists every place searched and how to provide it.
 */
public final class NcclLibrary {
    /** Env var naming libnccl.so.2 exactly (wins over the search). */
    public static final String NCCL_ENV = "MFT_NCCL_LIBRARY";
    /** Env var naming libcudart.so.12 exactly. */
    public static final String CUDART_ENV = "MFT_CUDART_LIBRARY";

    private static volatile boolean loaded;

    private NcclLibrary() {}

    /** Loads NCCL and the CUDA runtime once per JVM, then the JavaCPP bindings. */
    public static synchronized void load() {
        load(System.getenv());
    }

    static synchronized void load(Map<String, String> env) {
        if (loaded) {
            return;
        }
        Path nccl = find("libnccl.so.2", NCCL_ENV, "nccl", env);
        Path cudart = find("libcudart.so.12", CUDART_ENV, "cuda_runtime", env);
        System.load(cudart.toString());
        System.load(nccl.toString());
        try {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.cuda.global.cudart.class);
            org.bytedeco.javacpp.Loader.load(org.bytedeco.cuda.global.nccl.class);
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("NCCL was found at " + nccl + " and the CUDA runtime at " + cudart + ", but"
                    + " the JavaCPP bindings (org.bytedeco:cuda linux-x86_64) failed to load: " + e.getMessage()
                    + ". They also need the NVIDIA driver (libcuda.so.1).", e);
        }
        loaded = true;
    }

    /**
     * The library's path, or an exception naming every place searched.
     *
     * @param wheel the folder under site-packages/nvidia/ of the pip wheel that ships it
     */
    static Path find(String file, String envVar, String wheel, Map<String, String> env) {
        String explicit = env.get(envVar);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (Files.isRegularFile(p)) {
                return p;
            }
            throw new IllegalStateException(envVar + "=" + explicit + " does not name a file; it should be the full"
                    + " path of " + file);
        }
        List<Path> dirs = searchFolders(wheel, env);
        for (Path d : dirs) {
            Path p = d.resolve(file);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<String> shown = new ArrayList<>();
        dirs.forEach(d -> shown.add(d.toString()));
        throw new IllegalStateException(file + " not found, so the NCCL backend cannot start. Searched: " + envVar
                + " (unset), " + String.join(", ", shown) + ". Install NCCL (e.g. apt install libnccl2, a CUDA/NGC"
                + " image, or pip install nvidia-nccl-cu12 nvidia-cuda-runtime-cu12), or point " + envVar + " at the"
                + " file; on CPU use dist_backend \"tcp\". See docs/distributed.md.");
    }

    /** Folders in search order: LD_LIBRARY_PATH, CUDA_HOME, the usual system folders, Python wheels, conda. */
    static List<Path> searchFolders(String wheel, Map<String, String> env) {
        Set<Path> out = new LinkedHashSet<>();
        Optional.ofNullable(env.get("LD_LIBRARY_PATH")).ifPresent(v -> {
            for (String s : v.split(":")) {
                if (!s.isBlank()) {
                    out.add(Path.of(s));
                }
            }
        });
        for (String home : new String[] {env.get("CUDA_HOME"), env.get("CUDA_PATH")}) {
            if (home != null && !home.isBlank()) {
                out.add(Path.of(home, "lib64"));
                out.add(Path.of(home, "lib"));
            }
        }
        for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/cuda/lib64",
            "/usr/local/nccl/lib", "/usr/local/lib"}) {
            out.add(Path.of(d));
        }
        List<Path> pythonRoots = new ArrayList<>(List.of(Path.of("/usr/lib"), Path.of("/usr/local/lib")));
        Optional.ofNullable(env.get("HOME")).ifPresent(h -> pythonRoots.add(Path.of(h, ".local", "lib")));
        Optional.ofNullable(env.get("CONDA_PREFIX")).ifPresent(c -> {
            out.add(Path.of(c, "lib"));
            pythonRoots.add(Path.of(c, "lib"));
        });
        Optional.ofNullable(env.get("VIRTUAL_ENV")).ifPresent(v -> pythonRoots.add(Path.of(v, "lib")));
        for (Path root : pythonRoots) {
            for (Path python : pythonFolders(root)) {
                for (String packages : new String[] {"site-packages", "dist-packages"}) {
                    out.add(python.resolve(packages).resolve("nvidia").resolve(wheel).resolve("lib"));
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static List<Path> pythonFolders(Path root) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "python3*")) {
            ds.forEach(out::add);
        } catch (IOException e) {
            // an unreadable folder cannot hold the library for us either
        }
        out.sort(null);
        return out;
    }
}
