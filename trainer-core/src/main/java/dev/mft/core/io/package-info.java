/**
 * Small file-system helpers shared by every writer in mft: atomic writes, checked-exception
 * callbacks.
 */
package dev.mft.core.io;
