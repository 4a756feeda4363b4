/** {@code data_split}: each task's conversations divided into train, validation and test by a seeded shuffle. */
package dev.mft.data.split;
