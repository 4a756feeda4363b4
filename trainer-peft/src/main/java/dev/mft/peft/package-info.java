/** trainer-peft. */
package dev.mft.peft;
