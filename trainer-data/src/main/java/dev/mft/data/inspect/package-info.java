/** What {@code mft data inspect} shows: each example's text split by what is trained, and a summary of the data. */
package dev.mft.data.inspect;
