package io.freshet.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority and the PKCS12 stores a TLS test needs, made with the running JDK's
 * {@code keytool} (no extra dependency, nothing downloaded): a CA, a server certificate for {@code localhost} /
 * {@code 127.0.0.1}, and a client certificate for mutual TLS, each signed by the CA and valid for a week.
 *
 * <p>All stores share one random password (PKCS12 wants the key and store passwords equal). It reaches
 * {@code keytool} through its environment, never its command line. The files live in a directory the caller owns.
 *
 * <p>Threading: immutable once made. Not a hot-path type: {@link #create} runs {@code keytool} 13 times (a few
 * seconds).
 */
public final class TestCertificates {
    /** Store type of every file. */
    public static final String STORE_TYPE = "PKCS12";
    /** Common name of the client certificate; the mTLS listener maps it to the principal {@code User:<name>}. */
    public static final String DEFAULT_CLIENT_NAME = "freshet-app";

    private static final String PASS_ENV = "FRESHET_TEST_STORE_PASS";
    private static final long KEYTOOL_TIMEOUT_S = 120;

    private final Path directory;
    private final String password;
    private final String clientName;

    private TestCertificates(Path directory, String password, String clientName) {
        this.directory = directory;
        this.password = password;
        this.clientName = clientName;
    }

    /**
     * Makes a CA, a server and a client certificate ({@value #DEFAULT_CLIENT_NAME}) in {@code directory}.
     *
     * @param directory an existing directory the caller owns (and deletes)
     * @return the stores
     */
    public static TestCertificates create(Path directory) {
        return create(directory, DEFAULT_CLIENT_NAME);
    }

    /**
     * Makes a CA, a server and a client certificate in {@code directory}.
     *
     * @param directory an existing directory the caller owns (and deletes)
     * @param clientName the client certificate's common name
     * @return the stores
     */
    public static TestCertificates create(Path directory, String clientName) {
        Objects.requireNonNull(directory, "directory can't be null");
        Objects.requireNonNull(clientName, "clientName can't be null");
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        TestCertificates c = new TestCertificates(directory, "test-" + HexFormat.of().formatHex(secret), clientName);
        c.make();
        return c;
    }

    private void make() {
        Path ca = directory.resolve("ca.p12");
        Path caPem = directory.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
            "CN=Freshet Test CA", "-ext", "bc:c", "-validity", "7", "-keystore", ca.toString());
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caPem.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore",
            truststore().toString());
        // The two leaf chains are independent: make them side by side (each keytool run is a JVM start).
        CompletableFuture<Void> server = CompletableFuture.runAsync(() -> leaf("server", "CN=localhost",
            "SAN=dns:localhost,ip:127.0.0.1", "EKU=serverAuth,clientAuth", ca, caPem));
        CompletableFuture<Void> client = CompletableFuture.runAsync(() -> leaf("client", "CN=" + clientName,
            null, "EKU=clientAuth", ca, caPem));
        try {
            CompletableFuture.allOf(server, client).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void leaf(String name, String dname, String san, String eku, Path ca, Path caPem) {
        Path store = directory.resolve(name + ".p12");
        Path csr = directory.resolve(name + ".csr");
        Path pem = directory.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
            "-validity", "7", "-keystore", store.toString());
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", csr.toString());
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(),
            "-infile", csr.toString(), "-outfile", pem.toString(), "-validity", "7", "-ext", eku));
        if (san != null) {
            sign.add("-ext");
            sign.add(san);
        }
        keytool(sign.toArray(new String[0]));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", store.toString());
        keytool("-importcert", "-noprompt", "-alias", name, "-file", pem.toString(), "-keystore", store.toString());
    }

    private void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // A short-lived tool: C1 only and the serial collector start it faster on a busy machine.
        cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", STORE_TYPE, "-storepass:env", PASS_ENV));
        if (args[0].equals("-genkeypair")) {
            cmd.addAll(List.of("-keypass:env", PASS_ENV));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(PASS_ENV, password);
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(KEYTOOL_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish in " + KEYTOOL_TIMEOUT_S
                    + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " exited with " + p.exitValue() + ": "
                    + new String(out, StandardCharsets.UTF_8).trim());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run keytool of java.home=" + System.getProperty("java.home")
                + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool " + args[0], e);
        }
    }

    /** @return the truststore holding the CA certificate (for servers and clients alike) */
    public Path truststore() {
        return directory.resolve("truststore.p12");
    }

    /** @return the server's keystore: its key and a CA-signed certificate for {@code localhost} */
    public Path serverKeystore() {
        return directory.resolve("server.p12");
    }

    /** @return the client's keystore for mutual TLS: its key and a CA-signed certificate */
    public Path clientKeystore() {
        return directory.resolve("client.p12");
    }

    /** @return the client certificate's common name */
    public String clientName() {
        return clientName;
    }

    /** @return the password of every store and key; a secret: tests check that it leaks nowhere */
    public String password() {
        return password;
    }

    /** @return the directory, never the password */
    @Override
    public String toString() {
        return "TestCertificates[" + directory + "]";
    }
}
