package io.freshet.store.cli;

import picocli.CommandLine.Command;

/** The top command: only subcommands. Stateless. */
@Command(name = "freshet-store", mixinStandardHelpOptions = true, versionProvider = StoreTool.Version.class,
    description = "Inspects, verifies, sizes, dumps and snapshots Freshet stores. Needs no Kafka; only snapshot "
        + "writes (its target).",
    subcommands = {InspectCommand.class, VerifyCommand.class, SizeCommand.class, DumpCommand.class,
        SnapshotCommand.class,
        picocli.CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok (verify: no damage found)", "1:damage found: a checksum or invariant fails (named)",
        "2:usage or other error: missing or foreign directory, wrong --set, engine not on the class path, I/O"})
final class StoreTool implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a command: inspect, verify, size, "
            + "dump or snapshot");
    }

    /** The version from the jar's manifest. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = StoreTool.class.getPackage().getImplementationVersion();
            return new String[] {"freshet-store " + (v == null ? "(development build)" : v)};
        }
    }
}
