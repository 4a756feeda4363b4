/** File helpers shared by the data module. */
package dev.mft.data.io;
