/** The one conversation type every data format is read into. */
package dev.mft.data.conversation;
