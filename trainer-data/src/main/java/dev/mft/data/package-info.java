/** trainer-data. */
package dev.mft.data;
