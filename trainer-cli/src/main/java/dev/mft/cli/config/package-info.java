/**
 * The train config: the table of accepted keys ({@link dev.mft.cli.config.ConfigKeys}), the nested records it
 * binds to ({@link dev.mft.cli.config.TrainConfig}), strict loading with command-line overrides
 * ({@link dev.mft.cli.config.TrainConfigLoader}) and the generated reference ({@link dev.mft.cli.config.ConfigReference}).
 *
 * <p>Depends only on the JDK and Jackson so that every other module's wiring can read it.
 */
package dev.mft.cli.config;
