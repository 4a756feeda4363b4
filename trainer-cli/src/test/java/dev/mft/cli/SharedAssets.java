package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/assets: skips tests without it, but fails them on CI (CI=true). */
final class SharedAssets {
    private SharedAssets() {}

    /** A tokenizer folder of ../shared/assets/tokenizers. */
    static Path tokenizer(String name) {
        Path assets = Path.of(System.getProperty("mft.repo.root", "..")).resolve("../shared/assets").normalize();
        if (!Files.isDirectory(assets)) {
            String message = "../shared/assets not found at " + assets.toAbsolutePath()
                    + ": this test needs the real " + name + " tokenizer beside the checkout";
            if ("true".equals(System.getenv("CI"))) {
                fail(message);
            }
            assumeTrue(false, message);
        }
        return assets.resolve("tokenizers").resolve(name);
    }
}
