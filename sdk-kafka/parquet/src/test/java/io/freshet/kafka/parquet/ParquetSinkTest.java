package io.freshet.kafka.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.Categories;
import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.FeatureVector;
import io.freshet.core.Window;
import io.freshet.core.testing.Csv;
import io.freshet.core.testing.UserPaymentFeatures;
import io.freshet.kafka.RecordView;
import io.freshet.kafka.Source;
import io.freshet.kafka.TrainingProgress;
import io.freshet.kafka.TrainingSet;
import io.freshet.kafka.TrainingSink;
import io.freshet.kafka.parquet.internal.HadoopFreeCodecs;
import io.freshet.testkit.FreshetKafka;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetMetricsCallback;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parquet rows, read back with parquet-java's own reader (the example {@link Group} API), against the CSV rows of the
 * same training set value for value, and against the vectors the run handed over bit for bit (doubles by their raw
 * bits). The tests run without any Hadoop jar on the class path (see the pom's surefire configuration).
 */
class ParquetSinkTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final long T0 = 1_700_000_000_000L;
    private static final Map<String, String> KEEP_OLD_RECORDS = Map.of("retention.ms", "-1");
    /** Where the CSV and Parquet rows of the comparison are copied, when set (the pom sets it: target/). */
    private static final String EXPORT_DIR_PROP_NAME = "freshet.parquet.exportDir";

    /** A payment: 8-byte user, merchant, time, amount bits, and a declined byte. */
    record Txn(long user, long merchant, long tsMs, double amount, boolean declined) {
        byte[] encode() {
            return ByteBuffer.allocate(33).putLong(user).putLong(merchant).putLong(tsMs).putDouble(amount)
                .put((byte) (declined ? 1 : 0)).array();
        }

        /** A merchant category from a constant table: commas, quotes, non-ASCII, and text longer than 8 bytes. */
        String category() {
            return CATEGORIES[(int) Math.floorMod(merchant, (long) CATEGORIES.length)];
        }

        static Txn decode(RecordView r, Txn reuse) {
            ByteBuffer b = ByteBuffer.wrap(r.value());
            return new Txn(b.getLong(), b.getLong(), b.getLong(), b.getDouble(), b.get() == 1);
        }
    }

    static final String[] CATEGORIES = {"grocery", "café, bar", "say \"hi\"", "ключ", "travel-agencies", "a\\b"};

    /** A label: a user and a merchant at a time; a boolean, a number and a text column, each sometimes absent. */
    record Label(long user, long merchant, long timeMs, Boolean fraud, Double score, String note) {
    }

    /**
     * Every aggregation kind, windows and last-N, a staleness bound and derived features. The part
     * {@code TrainingFixtures.USERS} (sdk-kafka's tests) declares too is {@link UserPaymentFeatures#everyKindBase};
     * the rest differs on purpose: the event is this test's own {@link Txn} (sdk-kafka's test classes are not on
     * this module's class path), and the categorical pair reads {@link Txn#category}, text with commas, quotes,
     * non-ASCII and more than 8 bytes, which is what the CSV escaping and the STRING columns are checked on.
     */
    static final FeatureSet<Txn> USERS = users();

    private static FeatureSet<Txn> users() {
        FeatureSetBuilder<Txn> b = FeatureSet.builder("users", Txn.class)
            .entity("user", Txn::user)
            .eventTime(Txn::tsMs);
        return UserPaymentFeatures.everyKindBase(b, Txn::amount, Txn::declined, Txn::merchant)
            .topK("top_merchants_1h", Txn::merchant,
                Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10)), 3)
            .variance("amount_var", Txn::amount)
            .stddev("amount_std_1h", Txn::amount, Window.sliding(Duration.ofHours(1)))
            .derived("decline_ratio", d -> d.ratio("declines_1h", "txn_10m"))
            .derived("since_last", d -> d.timeSince("last_amount"))
            .latestCategory("last_category", Txn::category, Categories.utf8(8))
            .lastNCategories("recent_categories", Txn::category,
                Categories.of("grocery", "café, bar", "say \"hi\""), 3)
            .build();
    }

    /** A second set on the same topic, keyed by merchant: two sets in one row. */
    static final FeatureSet<Txn> MERCHANTS = FeatureSet.builder("merchants", Txn.class)
        .entity("merchant", Txn::merchant)
        .eventTime(Txn::tsMs)
        .count("txn_1h", Window.sliding(Duration.ofHours(1)))
        .sum("amount_total", Txn::amount)
        .lastN("last_users", Txn::user, 3)
        .build();

    private static String topic;

    /** Produces the feature topic once per class: 3,000 events of 30 users, arriving up to a minute late. */
    private static synchronized String topic(FreshetKafka broker) throws Exception {
        if (topic != null) {
            return topic;
        }
        String t = broker.uniqueName("parquet-pay");
        broker.createTopic(t, 2, KEEP_OLD_RECORDS);
        Random r = new Random(20261205);
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<Long, byte[]> p = broker.producer(new LongSerializer(), new ByteArraySerializer())) {
            long ts = T0;
            for (int i = 0; i < 3000; i++) {
                ts += r.nextInt(4000);
                // Out of order: an event's own time is up to 60 s before its arrival.
                long eventTime = ts - r.nextInt(60_000);
                double amount = r.nextInt(10) == 0 ? 0.1 + 0.2 : Math.round(r.nextDouble() * 100_000) / 100.0;
                Txn e = new Txn(r.nextInt(30), r.nextInt(12), eventTime, amount, r.nextInt(7) == 0);
                acks.add(p.send(new ProducerRecord<>(t, null, ts, e.user(), e.encode())));
            }
        }
        for (Future<RecordMetadata> a : acks) {
            a.get();
        }
        topic = t;
        return t;
    }

    private static TrainingSet<Label> training(FreshetKafka broker, List<Label> labels) throws Exception {
        Source<Txn> source = Source.of(topic(broker), Txn::decode);
        return TrainingSet.forLabels(labels, Label::timeMs)
            .labelColumn("fraud", Label::fraud)
            .labelColumn("score", Label::score)
            .labelColumn("note", Label::note)
            .features(USERS, Label::user, source)
            .features(MERCHANTS, Label::merchant, source)
            .asOfKnownTime(Duration.ofSeconds(30))
            .kafka(broker.clientProperties())
            .build();
    }

    private static List<Label> labels(int n) {
        Random r = new Random(7);
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Users 30..34 and merchant 12 have no event: MISSING rows. The span runs past the last event: STALE ones.
            long time = T0 + r.nextInt(7_000_000) + 1;
            Boolean fraud = i == 0 ? Boolean.TRUE : r.nextInt(5) == 0 ? null : Boolean.valueOf(r.nextBoolean());
            Double score = i == 0 ? Double.valueOf(0.5) : r.nextInt(5) == 0 ? null : Double.valueOf(r.nextDouble());
            String note = r.nextInt(3) == 0 ? null : r.nextBoolean() ? "plain" : "with, comma and \"quote\"";
            labels.add(new Label(r.nextInt(35), r.nextInt(13), time, fraud, score, note));
        }
        labels.sort(Comparator.comparingLong(Label::timeMs));
        return labels;
    }

    @Test
    void noHadoopClassIsOnTheClassPath() {
        // What makes the other tests a proof that the writer and the reader need no Hadoop at run time.
        assertThatThrownBy(() -> Class.forName("org.apache.hadoop.conf.Configuration"))
            .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void parquetRowsEqualTheCsvRowsAndTheVectorsAsRead(FreshetKafka broker, @TempDir Path dir) throws Exception {
        List<Label> labels = labels(400);
        TrainingSet<Label> training = training(broker, labels);
        Path csv = dir.resolve("rows.csv");
        training.writeCsv(csv);
        Path parquet = dir.resolve("rows.parquet");
        Recording recording = new Recording(ParquetSink.to(parquet));
        TrainingProgress done = training.write(recording);
        assertThat(done.labelsDone()).isEqualTo(labels.size());

        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> header = Csv.fields(lines.get(0));
        List<Group> rows = readParquet(parquet);
        MessageType schema = rows.get(0).getType() instanceof MessageType m ? m : null;
        assertThat(schema).isNotNull();
        List<String> names = new ArrayList<>();
        for (Type t : schema.getFields()) {
            names.add(t.getName());
        }
        assertThat(names).as("the same columns, in the same order, as the CSV").isEqualTo(header);
        assertThat(rows).hasSize(labels.size()).hasSize(lines.size() - 1).hasSize(recording.rows.size());

        // Types as served.
        assertThat(type(schema, "label_time_ms")).isEqualTo(PrimitiveTypeName.INT64);
        assertThat(schema.getType("label_time_ms").getRepetition()).isEqualTo(Type.Repetition.REQUIRED);
        assertThat(type(schema, "fraud")).isEqualTo(PrimitiveTypeName.BOOLEAN);
        assertThat(type(schema, "score")).isEqualTo(PrimitiveTypeName.DOUBLE);
        assertThat(type(schema, "note")).isEqualTo(PrimitiveTypeName.BINARY);
        assertThat(schema.getType("note").getLogicalTypeAnnotation()).isEqualTo(LogicalTypeAnnotation.stringType());
        assertThat(type(schema, "users__status")).isEqualTo(PrimitiveTypeName.BINARY);
        assertThat(type(schema, "users__txn_total")).isEqualTo(PrimitiveTypeName.INT64);
        assertThat(type(schema, "users__first_seen")).isEqualTo(PrimitiveTypeName.INT64);
        assertThat(type(schema, "users__amount_1h")).isEqualTo(PrimitiveTypeName.DOUBLE);
        assertThat(type(schema, "users__decline_ratio")).isEqualTo(PrimitiveTypeName.DOUBLE);
        assertThat(type(schema, "users__last_amount__event_time_ms")).isEqualTo(PrimitiveTypeName.INT64);
        assertThat(names).doesNotContain("users__decline_ratio__event_time_ms");
        GroupType list = schema.getType("users__last_merchants").asGroupType();
        assertThat(list.getLogicalTypeAnnotation()).isEqualTo(LogicalTypeAnnotation.listType());
        assertThat(list.getType("list").asGroupType().getType("element").asPrimitiveType().getPrimitiveTypeName())
            .isEqualTo(PrimitiveTypeName.INT64);

        int[] seen = new int[6];
        for (int i = 0; i < rows.size(); i++) {
            Group g = rows.get(i);
            List<String> cells = Csv.fields(lines.get(i + 1));
            Map<String, Object> expected = recording.rows.get(i);
            for (int c = 0; c < header.size(); c++) {
                String name = header.get(c);
                String where = "row " + i + " column " + name;
                Object value = parquetValue(g, schema, c);
                Object raw = expected.get(name);
                assertThat(value).as(where + ": as the run handed it over").isEqualTo(raw);
                assertThat(csvText(value)).as(where + ": as the CSV holds it").isEqualTo(cells.get(c));
                if (value == null) {
                    seen[0]++;
                } else if (value instanceof Bits) {
                    seen[1]++;
                }
            }
            String status = g.getString("users__status", 0);
            seen[2] += status.equals("MISSING") ? 1 : 0;
            seen[3] += status.equals("STALE") ? 1 : 0;
            seen[4] += status.equals("FRESH") ? 1 : 0;
            seen[5] += g.getFieldRepetitionCount("users__last_merchants") == 1
                && g.getGroup("users__last_merchants", 0).getFieldRepetitionCount("list") > 1 ? 1 : 0;
        }
        // The comparison must have covered what it claims.
        assertThat(seen[0]).as("absent values (nulls)").isGreaterThan(100);
        assertThat(seen[1]).as("doubles compared by their bits").isGreaterThan(1000);
        assertThat(seen[2]).as("MISSING rows").isGreaterThan(0);
        assertThat(seen[3]).as("STALE rows").isGreaterThan(0);
        assertThat(seen[4]).as("FRESH rows").isGreaterThan(100);
        assertThat(seen[5]).as("last-N lists of several ids").isGreaterThan(50);
        assertThat(type(schema, "users__last_category")).isEqualTo(PrimitiveTypeName.BINARY);
        assertThat(schema.getType("users__last_category").getLogicalTypeAnnotation())
            .isEqualTo(LogicalTypeAnnotation.stringType());
        assertThat(schema.getType("users__recent_categories").asGroupType().getType("list").asGroupType()
            .getType("element").getLogicalTypeAnnotation()).isEqualTo(LogicalTypeAnnotation.stringType());
        assertThat(lines).as("texts with a comma and a quote, cut to 8 bytes")
            .anyMatch(l -> l.contains("\"café, b\"")).anyMatch(l -> l.contains("\"say \"\"hi\"\"\""))
            .anyMatch(l -> l.contains(",travel-a,"))
            .anyMatch(l -> l.contains("__other__"));

        // For .ci/run's independent reader (a JavaScript Parquet reader checks the same pair of files).
        String export = System.getProperty(EXPORT_DIR_PROP_NAME);
        if (export != null) {
            Path to = Files.createDirectories(Path.of(export));
            Files.copy(parquet, to.resolve("rows.parquet"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(csv, to.resolve("rows.csv"), StandardCopyOption.REPLACE_EXISTING);
        }

        String sidecar = Files.readString(dir.resolve("rows.json"));
        assertThat(sidecar).contains("\"file\": \"rows.parquet\"").contains("\"fileFormat\": \"parquet\"")
            .contains("\"rows\": " + labels.size()).contains("\"lagMs\": 30000")
            .contains("\"fingerprint\": \"" + Long.toHexString(USERS.fingerprint()) + "\"")
            .contains("\"fingerprint\": \"" + Long.toHexString(MERCHANTS.fingerprint()) + "\"");
    }

    @Test
    void anEmptyLabelSetWritesAFileWithTheColumnsAndNoRow(FreshetKafka broker, @TempDir Path dir) throws Exception {
        Path parquet = dir.resolve("none.parquet");
        TrainingProgress done = training(broker, List.of()).write(ParquetSink.to(parquet));
        assertThat(done.labelsDone()).isZero();
        assertThat(readParquet(parquet)).isEmpty();
        try (ParquetFileReader reader = open(parquet)) {
            MessageType schema = reader.getFileMetaData().getSchema();
            assertThat(schema.containsField("users__last_merchants")).isTrue();
            assertThat(schema.containsField("merchants__last_users")).isTrue();
            // With no first row to type them by, label columns are text.
            assertThat(type(schema, "fraud")).isEqualTo(PrimitiveTypeName.BINARY);
            assertThat(reader.getRecordCount()).isZero();
        }
        assertThat(Files.readString(dir.resolve("none.json"))).contains("\"rows\": 0");
    }

    @Test
    void aLabelColumnThatChangesTypeStopsTheRunNamingIt(@TempDir Path dir) throws Exception {
        Path x = dir.resolve("x.parquet");
        try (ParquetSink sink = ParquetSink.to(x)) {
            sink.open(List.of("fraud"), List.of(MERCHANTS));
            FeatureVector[] none = {null};
            sink.write(T0, new Object[] {Boolean.TRUE}, none);
            sink.write(T0, new Object[] {null}, none);
            assertThatThrownBy(() -> sink.write(T0, new Object[] {"yes"}, none))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label column fraud is BOOLEAN").hasMessageContaining("String")
                .hasMessageContaining("return one type");
        }
        assertThat(x).as("a failed run leaves no unreadable file").doesNotExist();
        ParquetSink used = ParquetSink.to(dir.resolve("y.parquet"));
        used.open(List.of(), List.of(MERCHANTS));
        assertThatThrownBy(() -> used.open(List.of(), List.of(MERCHANTS))).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("make one per run");
        used.close();
    }

    /** A sink that passes rows on and records each value as the vectors gave it (a double by its raw bits). */
    private static final class Recording implements TrainingSink {
        private final TrainingSink next;
        final List<Map<String, Object>> rows = new ArrayList<>();
        private List<String> labelColumns;
        private List<FeatureSet<?>> sets;

        Recording(TrainingSink next) {
            this.next = next;
        }

        @Override
        public Path file() {
            return next.file();
        }

        @Override
        public String format() {
            return next.format();
        }

        @Override
        public void open(List<String> labelColumns, List<FeatureSet<?>> sets) throws IOException {
            this.labelColumns = labelColumns;
            this.sets = sets;
            next.open(labelColumns, sets);
        }

        @Override
        public void write(long labelTimeMs, Object[] labelValues, FeatureVector[] vectors) throws IOException {
            Map<String, Object> row = new java.util.HashMap<>();
            row.put("label_time_ms", labelTimeMs);
            for (int i = 0; i < labelValues.length; i++) {
                Object v = labelValues[i];
                row.put(labelColumns.get(i), v instanceof Double d ? new Bits(Double.doubleToRawLongBits(d)) : v);
            }
            for (int s = 0; s < sets.size(); s++) {
                FeatureSet<?> set = sets.get(s);
                FeatureVector v = vectors[s];
                row.put(set.name() + "__status", v == null ? "MISSING" : v.status().name());
                for (FeatureRef ref : set.refs()) {
                    String name = set.name() + "__" + ref.name();
                    if (v != null && v.isPresent(ref)) {
                        if (ref.kind() == FeatureKind.LATEST_CATEGORY || ref.kind() == FeatureKind.LAST_N_CATEGORIES) {
                            List<String> texts = new ArrayList<>();
                            for (int k = 0; k < v.size(ref); k++) {
                                StringBuilder sb = new StringBuilder();
                                v.category(ref, k, sb);
                                texts.add(sb.toString());
                            }
                            row.put(name, ref.kind() == FeatureKind.LATEST_CATEGORY ? texts.get(0) : texts);
                        } else if (ref.kind() == FeatureKind.LAST_N || ref.kind() == FeatureKind.TOP_K) {
                            List<Long> ids = new ArrayList<>();
                            for (int k = 0; k < v.size(ref); k++) {
                                ids.add(v.getLong(ref, k));
                            }
                            row.put(name, ids);
                            if (ref.kind() == FeatureKind.TOP_K) {
                                List<Long> counts = new ArrayList<>();
                                for (int k = 0; k < v.size(ref); k++) {
                                    counts.add(v.getCount(ref, k));
                                }
                                row.put(name + "__counts", counts);
                            }
                        } else if (ref.kind().valueType() == FeatureKind.ValueType.LONG) {
                            row.put(name, v.getLong(ref));
                        } else {
                            row.put(name, new Bits(Double.doubleToRawLongBits(v.getDouble(ref))));
                        }
                    }
                    long t = v == null ? FeatureVector.NO_TIME : v.eventTimeMs(ref);
                    if (ref.kind().isStored() && t != FeatureVector.NO_TIME) {
                        row.put(name + "__event_time_ms", t);
                    }
                }
            }
            rows.add(row);
            next.write(labelTimeMs, labelValues, vectors);
        }

        @Override
        public void finish() throws IOException {
            next.finish();
        }

        @Override
        public void close() throws IOException {
            next.close();
        }
    }

    /** A double by its raw bits: equal only when bit-identical. */
    record Bits(long raw) {
    }

    /** A value as read from Parquet: Long, a double's Bits, Boolean, String, a list of Long, or null. */
    private static Object parquetValue(Group g, MessageType schema, int field) {
        if (g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        Type t = schema.getType(field);
        if (!t.isPrimitive()) {
            Group list = g.getGroup(field, 0);
            boolean texts = t.asGroupType().getType("list").asGroupType().getType("element").asPrimitiveType()
                .getPrimitiveTypeName() == PrimitiveTypeName.BINARY;
            List<Object> ids = new ArrayList<>();
            for (int k = 0; k < list.getFieldRepetitionCount("list"); k++) {
                Group e = list.getGroup("list", k);
                ids.add(texts ? e.getString("element", 0) : e.getLong("element", 0));
            }
            return ids;
        }
        return switch (t.asPrimitiveType().getPrimitiveTypeName()) {
            case INT64 -> g.getLong(field, 0);
            case DOUBLE -> new Bits(Double.doubleToRawLongBits(g.getDouble(field, 0)));
            case BOOLEAN -> g.getBoolean(field, 0);
            case BINARY -> g.getString(field, 0);
            default -> throw new AssertionError("unexpected type " + t);
        };
    }

    /** A Parquet value as the CSV writes it. */
    private static String csvText(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Bits b) {
            return Double.toString(Double.longBitsToDouble(b.raw())); // what the CSV writes: shortest round-trip text
        }
        if (value instanceof List<?> ids) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < ids.size(); i++) {
                b.append(i == 0 ? "" : ",");
                if (ids.get(i) instanceof String text) {
                    // Last-N categories: a JSON array of strings.
                    b.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
                } else {
                    b.append(ids.get(i));
                }
            }
            return b.append(']').toString();
        }
        return value.toString();
    }

    private static PrimitiveTypeName type(MessageType schema, String column) {
        return schema.getType(column).asPrimitiveType().getPrimitiveTypeName();
    }

    /**
     * parquet-java's example reader (Group records) on a local file, without Hadoop: {@code ParquetReader.build()}
     * loads Hadoop's file-system classes and the read options' builders Hadoop's codecs, so this goes one level down
     * (file reader, column IO, group converter), as parquet-java's own example readers do.
     */
    static List<Group> readParquet(Path file) throws IOException {
        List<Group> rows = new ArrayList<>();
        try (ParquetFileReader reader = open(file)) {
            MessageType schema = reader.getFileMetaData().getSchema();
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
            for (PageReadStore pages = reader.readNextRowGroup(); pages != null; pages = reader.readNextRowGroup()) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    rows.add(records.read());
                }
            }
        }
        return rows;
    }

    static ParquetFileReader open(Path file) throws IOException {
        return ParquetFileReader.open(new LocalInputFile(file), hadoopFreeReadOptions());
    }

    /**
     * parquet-java 1.18.2 reads a local file without Hadoop once it has its read options, but both of
     * {@link ParquetReadOptions}' builders create Hadoop objects (a configuration, Hadoop's codec factory) before a
     * codec factory can be set; its constructor is package-private, hence reflection: no filter, heap buffers, our
     * codecs.
     */
    private static ParquetReadOptions hadoopFreeReadOptions() {
        try {
            Constructor<ParquetReadOptions> c = ParquetReadOptions.class.getDeclaredConstructor(boolean.class,
                boolean.class, boolean.class, boolean.class, boolean.class, boolean.class, boolean.class,
                boolean.class, boolean.class, FilterCompat.Filter.class, ParquetMetadataConverter.MetadataFilter.class,
                CompressionCodecFactory.class, ByteBufferAllocator.class, int.class, Map.class,
                FileDecryptionProperties.class, ParquetMetricsCallback.class, ParquetConfiguration.class);
            c.setAccessible(true);
            return c.newInstance(false, false, false, false, false, false, false, false, false, FilterCompat.NOOP,
                ParquetMetadataConverter.NO_FILTER, new HadoopFreeCodecs(), new HeapByteBufferAllocator(), 8 << 20,
                new HashMap<String, String>(), null, null, new PlainParquetConfiguration());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("parquet-java's ParquetReadOptions constructor changed", e);
        }
    }

}
