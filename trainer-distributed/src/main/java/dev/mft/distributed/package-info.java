/** trainer-distributed. */
package dev.mft.distributed;
