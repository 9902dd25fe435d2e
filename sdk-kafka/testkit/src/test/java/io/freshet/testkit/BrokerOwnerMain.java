package io.freshet.testkit;

/** A JVM that starts a standalone broker and then waits to be killed: the test kills it with SIGKILL. */
final class BrokerOwnerMain {
    private BrokerOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        KafkaBrokerProcess broker = KafkaBrokerProcess.builder(args[0]).start();
        System.out.println("broker pid=" + broker.pid() + " dir=" + broker.directory());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
