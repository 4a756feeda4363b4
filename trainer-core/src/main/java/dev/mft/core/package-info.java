/** trainer-core: tensor layer, safetensors IO, models, optimizer, training loop. */
package dev.mft.core;
