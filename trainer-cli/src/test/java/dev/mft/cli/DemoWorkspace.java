package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

/** The demo model and data (mft demo-setup) in a temp folder, with the shipped demo config pointed at them. */
final class DemoWorkspace {
    private DemoWorkspace() {}

    /** Runs demo-setup under {@code dir} and returns the config file written there. */
    static Path create(Path dir) throws Exception {
        CliRun setup = CliRun.of("demo-setup", "--dir", dir.resolve("demo").toString());
        assertEquals(0, setup.exitCode(), setup.err());
        // the shipped demo config, pointed at the temp folder (relative paths resolve against the config's folder)
        String demo = Files.readString(Path.of(System.getProperty("mft.repo.root", "..")).resolve("configs/demo.json"));
        Path config = dir.resolve("demo.json");
        Files.writeString(config, demo.replace("../work/demo/", "demo/").replace("../work/demo-out", "out"));
        return config;
    }
}
