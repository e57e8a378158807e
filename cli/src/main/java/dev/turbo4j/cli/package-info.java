/** The turbo4j command. */
package dev.turbo4j.cli;
