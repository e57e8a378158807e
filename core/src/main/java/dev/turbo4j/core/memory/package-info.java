/** Off-heap memory for the buffers the kernels stream through: huge pages where the OS offers them. */
package dev.turbo4j.core.memory;
