/** JMH micro-benchmarks of the kernels. */
package dev.turbo4j.bench;
