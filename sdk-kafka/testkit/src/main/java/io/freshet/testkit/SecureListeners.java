package io.freshet.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The broker and client settings of two secured listeners, for any broker a test starts (the embedded one through
 * {@link SecureKafka}, or a standalone broker process, whose {@code server.properties} takes the same map):
 * <ul>
 *   <li>{@value #SASL_SSL}: TLS with SCRAM-SHA-512 users (create them with the admin API);</li>
 *   <li>{@value #MTLS}: mutual TLS; the client certificate's common name becomes the principal
 *       {@code User:<CN>}.</li>
 * </ul>
 * With {@code StandardAuthorizer} on and nothing allowed unless an ACL says so. The broker's own plaintext listener
 * (inter-broker, controller and the test's admin client on loopback) runs as the super user
 * {@code User:ANONYMOUS}: tests create topics, users and ACLs through it; the secured listeners grant nothing beyond
 * ACLs.
 *
 * <p>Threading: immutable.
 */
public final class SecureListeners {
    /** Name (and protocol) of the SCRAM listener. */
    public static final String SASL_SSL = "SASL_SSL";
    /** Name of the mutual-TLS listener (protocol {@code SSL}). */
    public static final String MTLS = "MTLS";
    /** The SASL mechanism of {@value #SASL_SSL}. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    private final TestCertificates certificates;

    /** @param certificates the CA, server and client stores */
    public SecureListeners(TestCertificates certificates) {
        this.certificates = Objects.requireNonNull(certificates, "certificates can't be null");
    }

    /** @return the certificates behind both listeners */
    public TestCertificates certificates() {
        return certificates;
    }

    /** @return entries for {@code listener.security.protocol.map}, to append after the broker's own */
    public static String protocolMapEntries() {
        return SASL_SSL + ":SASL_SSL," + MTLS + ":SSL";
    }

    /**
     * @param host host name the clients use (the server certificate names {@code localhost} and {@code 127.0.0.1})
     * @param saslPort port of {@value #SASL_SSL}, 0 for any free one
     * @param mtlsPort port of {@value #MTLS}, 0 for any free one
     * @return entries for {@code listeners}, to append after the broker's own
     */
    public static String listenerEntries(String host, int saslPort, int mtlsPort) {
        return SASL_SSL + "://" + host + ":" + saslPort + "," + MTLS + "://" + host + ":" + mtlsPort;
    }

    /**
     * Broker properties of both listeners and of the authorizer; {@code listeners} and
     * {@code listener.security.protocol.map} are the caller's (see {@link #listenerEntries} and
     * {@link #protocolMapEntries}).
     *
     * @return a new map
     */
    public Map<String, String> serverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("allow.everyone.if.no.acl.found", "false");
        p.put("super.users", "User:ANONYMOUS");
        for (String listener : new String[] {SASL_SSL, MTLS}) {
            String prefix = "listener.name." + listener.toLowerCase(java.util.Locale.ROOT) + ".";
            p.put(prefix + "ssl.keystore.type", TestCertificates.STORE_TYPE);
            p.put(prefix + "ssl.keystore.location", certificates.serverKeystore().toString());
            p.put(prefix + "ssl.keystore.password", certificates.password());
            p.put(prefix + "ssl.key.password", certificates.password());
            p.put(prefix + "ssl.truststore.type", TestCertificates.STORE_TYPE);
            p.put(prefix + "ssl.truststore.location", certificates.truststore().toString());
            p.put(prefix + "ssl.truststore.password", certificates.password());
        }
        p.put("listener.name.sasl_ssl.sasl.enabled.mechanisms", SCRAM_MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("listener.name.mtls.ssl.client.auth", "required");
        // "CN=freshet-app,OU=..." → "freshet-app", so ACLs name the principal as User:freshet-app.
        p.put("listener.name.mtls.ssl.principal.mapping.rules", "RULE:^CN=([^,]+).*$/$1/,DEFAULT");
        return p;
    }

    /**
     * The client properties a user writes for SASL_SSL with SCRAM-SHA-512.
     *
     * @param bootstrap the {@value #SASL_SSL} listener's {@code host:port}
     * @param user SCRAM user name
     * @param password its password
     * @return new properties
     */
    public Properties saslSslClientProperties(String bootstrap, String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", SCRAM_MECHANISM);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + user + "\" password=\"" + password + "\";");
        p.put("ssl.truststore.type", TestCertificates.STORE_TYPE);
        p.put("ssl.truststore.location", certificates.truststore().toString());
        p.put("ssl.truststore.password", certificates.password());
        return p;
    }

    /**
     * The client properties a user writes for mutual TLS.
     *
     * @param bootstrap the {@value #MTLS} listener's {@code host:port}
     * @return new properties
     */
    public Properties mtlsClientProperties(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("security.protocol", "SSL");
        p.put("ssl.keystore.type", TestCertificates.STORE_TYPE);
        p.put("ssl.keystore.location", certificates.clientKeystore().toString());
        p.put("ssl.keystore.password", certificates.password());
        p.put("ssl.key.password", certificates.password());
        p.put("ssl.truststore.type", TestCertificates.STORE_TYPE);
        p.put("ssl.truststore.location", certificates.truststore().toString());
        p.put("ssl.truststore.password", certificates.password());
        return p;
    }

    /** @return the certificates' directory, never a password */
    @Override
    public String toString() {
        return "SecureListeners[" + certificates + "]";
    }
}
