package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Distinct entity keys of the newest records of a set's sources, for a compare sample: the stores cannot list their
 * keys, and the keys that matter for a cutover are the ones traffic touches now. Its own short-lived consumer
 * (assign mode, no group); records that do not decode are skipped.
 *
 * <p>Threading: one call; allocates.
 */
final class KeySampler {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long DEADLINE_MS = 30_000;

    private final Properties kafka;
    private final String clientId;
    private final FeatureSet<?> set;
    private final List<Source<?>> sources;

    KeySampler(Properties kafka, String clientId, FeatureSet<?> set, List<Source<?>> sources) {
        this.kafka = kafka;
        this.clientId = clientId;
        this.set = set;
        this.sources = sources;
    }

    long[] longKeys(int n) {
        List<Object> keys = sample(n);
        long[] out = new long[keys.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Long) keys.get(i);
        }
        return out;
    }

    CharSequence[] textKeys(int n) {
        return sample(n).toArray(new CharSequence[0]);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<Object> sample(int n) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        LinkedHashSet<Object> keys = new LinkedHashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (Source<?> s : sources) {
                for (PartitionInfo pi : c.partitionsFor(s.topic())) {
                    tps.add(new TopicPartition(pi.topic(), pi.partition()));
                }
            }
            c.assign(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            Map<TopicPartition, Long> begin = c.beginningOffsets(tps);
            // Four records per wanted key and partition: enough distinct keys under a skewed key distribution.
            long back = Math.max(1, 4L * n / Math.max(1, tps.size()));
            for (TopicPartition tp : tps) {
                c.seek(tp, Math.max(begin.get(tp), end.get(tp) - back));
            }
            RecordView view = new RecordView();
            long deadline = System.currentTimeMillis() + DEADLINE_MS;
            while (keys.size() < n && System.currentTimeMillis() < deadline && !reachedEnd(c, tps, end)) {
                ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    Source src = sourceOf(r.topic());
                    Object event;
                    try {
                        event = src.decoder().decode(view.wrap(r), null);
                    } catch (Exception e) {
                        continue;
                    }
                    if (event == null) {
                        continue;
                    }
                    FeatureSet raw = set;
                    keys.add(set.keyType() == io.freshet.core.KeyType.LONG ? (Object) raw.longKeyOf(event)
                        : raw.textKeyOf(event).toString());
                    if (keys.size() >= n) {
                        break;
                    }
                }
            }
        }
        return new ArrayList<>(keys);
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> tps,
        Map<TopicPartition, Long> end) {
        for (TopicPartition tp : tps) {
            if (c.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private Source<?> sourceOf(String topic) {
        for (Source<?> s : sources) {
            if (s.topic().equals(topic)) {
                return s;
            }
        }
        throw new IllegalStateException("topic=" + topic + " is not a source");
    }
}
