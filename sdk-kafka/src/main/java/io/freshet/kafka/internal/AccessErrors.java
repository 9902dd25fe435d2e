package io.freshet.kafka.internal;

import java.util.Collection;
import java.util.Set;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * Turns Kafka's authentication and authorization failures into one line that names the operation, the resource and
 * the fix. Kafka's own messages name the resource but not the operation the pipeline needed ("Not authorized to
 * access topics: [t]"); the operation depends on which client asked, so the caller says it.
 *
 * <p>Never quotes client properties: the messages carry resource names, principals are the broker's business, and
 * credentials never reach here.
 *
 * <p>Threading: stateless. Allocation: on failure only.
 */
public final class AccessErrors {
    /** Where the user reads the full list of ACLs the pipeline needs. */
    static final String SEE = "README 'Security' lists every ACL the pipeline needs";

    private AccessErrors() {
    }

    /**
     * @param t a failure, possibly wrapping others (ExecutionException, KafkaException)
     * @return the first authentication or authorization failure in its cause chain, or null
     */
    public static RuntimeException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof AuthorizationException || c instanceof AuthenticationException) {
                return (RuntimeException) c;
            }
        }
        return null;
    }

    /**
     * @param t a failure
     * @param topicOperation what the asking client does to topics: {@code DESCRIBE}, {@code READ}, {@code WRITE}
     * @return one line naming operation, resource and fix, or null when {@code t} is no access failure
     */
    public static String explain(Throwable t, String topicOperation) {
        return explain(t, topicOperation, Set.of());
    }

    /**
     * @param t a failure
     * @param topicOperation what the asking client does to topics: {@code DESCRIBE}, {@code READ}, {@code WRITE}
     * @param topicsAsked the topics the request named, for a denial that does not list them (the admin client's)
     * @return one line naming operation, resource and fix, or null when {@code t} is no access failure
     */
    public static String explain(Throwable t, String topicOperation, Collection<String> topicsAsked) {
        RuntimeException e = find(t);
        if (e == null) {
            return null;
        }
        if (e instanceof AuthenticationException) {
            return "authentication failed (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "): check the"
                + " user and password in sasl.jaas.config and sasl.mechanism, or the ssl.keystore / ssl.truststore"
                + " settings, of the Kafka properties";
        }
        if (e instanceof TopicAuthorizationException ta) {
            Collection<String> topics = ta.unauthorizedTopics().isEmpty() ? topicsAsked
                : ta.unauthorizedTopics();
            return "not authorized: operation=" + topicOperation + " on topic=" + topics + " was denied; allow "
                + topicOperation + " on topic " + String.join(", ", topics) + " to the pipeline's principal (" + SEE
                + ")";
        }
        if (e instanceof GroupAuthorizationException ga) {
            return "not authorized: operation=READ on group=" + ga.groupId() + " was denied; allow READ on group "
                + ga.groupId() + " to the pipeline's principal (" + SEE + ")";
        }
        if (e instanceof ClusterAuthorizationException && "WRITE".equals(topicOperation) && !topicsAsked.isEmpty()) {
            // An idempotent producer's InitProducerId is allowed by WRITE on any topic (or IDEMPOTENT_WRITE on the
            // cluster): denied here means WRITE on the topic it writes is missing.
            return "not authorized: operation=WRITE on topic=" + topicsAsked + " was denied (the idempotent"
                + " producer's first request needs it); allow WRITE on topic " + String.join(", ", topicsAsked)
                + " to the pipeline's principal (" + SEE + ")";
        }
        if (e instanceof ClusterAuthorizationException) {
            return "not authorized: an operation on the cluster resource was denied (" + e.getMessage() + "); "
                + SEE;
        }
        return "not authorized (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); " + SEE;
    }
}
