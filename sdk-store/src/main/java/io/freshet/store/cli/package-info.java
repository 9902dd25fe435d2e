/**
 * The store tool: a command line over a store directory that needs no Kafka cluster and writes nothing.
 * {@code java -jar freshet-store-<version>-cli.jar inspect DIR | verify DIR | size --set CLASS --capacity N |
 * dump DIR KEY --set CLASS}; see {@link io.freshet.store.cli.Main} for the commands and exit codes.
 *
 * <p>picocli is an optional dependency of {@code freshet-store}: the tool runs from the {@code cli} jar, which
 * bundles it, or with picocli on the class path.
 */
package io.freshet.store.cli;
