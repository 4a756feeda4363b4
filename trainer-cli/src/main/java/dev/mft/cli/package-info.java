/** trainer-cli. */
package dev.mft.cli;
