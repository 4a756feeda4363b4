/** Chat templates: a conversation rendered into text segments that are trained or not. */
package dev.mft.data.template;
