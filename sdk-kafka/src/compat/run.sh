#!/usr/bin/env bash
# Runs freshet-kafka, as built by this tree (against kafka-clients ${kafka.version}), with other kafka-clients
# versions on the class path, against a broker running in another JVM (the in-JVM test broker needs 4.3.1 itself).
#
#   mvn -ntp -pl sdk-kafka -am package -DskipTests          # the freshet-core and freshet-kafka jars
#   sdk-kafka/src/compat/run.sh 127.0.0.1:9092 3.9.1 4.0.1 4.4.0 3.8.1
#
# Per version: a throwaway pom resolves kafka-clients X (plus jctools, HdrHistogram, slf4j) from Maven Central;
# LinkCheck.java checks that every kafka-clients member freshet-kafka's bytecode references exists in X with the same
# descriptor; then KafkaClientsCompat.java runs in source-launcher mode on that class path plus the two jars. Exit
# status: the number of versions whose outcome was not the expected one (links, runs to caught-up and every key
# matches for 3.9.0 to 4.4.x; the one-line refusal below 3.9).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bootstrap=$1
shift
jars=$(ls "$root"/sdk-core/target/freshet-core-*.jar "$root"/sdk-kafka/target/freshet-kafka-*.jar \
    | grep -v -e sources -e javadoc -e tests | paste -sd:)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
kafka_jar=$(echo "$jars" | tr ':' '\n' | grep freshet-kafka)
mkdir -p "$work/classes" && (cd "$work/classes" && jar xf "$kafka_jar")
find "$work/classes" -name '*.class' -print0 | xargs -0 javap -c -p \
    | grep -oE "// (Method|InterfaceMethod|Field) org/apache/kafka/[^ ]+" | sed 's|^// ||' | sort -u > "$work/refs.txt"
for v in "$@"; do
    mkdir -p "$work/$v"
    cat > "$work/$v/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.compat</groupId><artifactId>kafka-clients-$v</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>$v</version></dependency>
    <dependency><groupId>org.jctools</groupId><artifactId>jctools-core</artifactId><version>4.0.5</version></dependency>
    <dependency><groupId>org.hdrhistogram</groupId><artifactId>HdrHistogram</artifactId><version>2.2.2</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.20</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>2.0.20</version></dependency>
  </dependencies>
</project>
POM
    (cd "$work/$v" && mvn -B -ntp -q -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile=cp.txt >/dev/null) || {
        echo "kafka-clients $v: cannot resolve"; failed=$((failed + 1)); continue; }
    cp=$(cat "$work/$v/cp.txt")
    echo "=== kafka-clients $v ($(tr ':' '\n' < "$work/$v/cp.txt" | grep -o 'kafka-clients-[^/]*jar'))"
    case "$v" in
        3.[0-8].*|[0-2].*) old=1 ;;
        *) old=0; java "$here/LinkCheck.java" "$work/refs.txt" "$cp" || failed=$((failed + 1)) ;;
    esac
    java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.org.apache.kafka=error \
        -cp "$cp:$jars" "$here/KafkaClientsCompat.java" "$bootstrap" 2>&1 | tee "$work/$v/out.txt"
    status=${PIPESTATUS[0]}
    if [ "$old" -eq 1 ]; then
        grep -q "but Freshet supports kafka-clients 3.9.0 to 4.4.x" "$work/$v/out.txt" \
            || { echo "expected the start-time refusal"; failed=$((failed + 1)); }
    elif [ "$status" -ne 0 ]; then
        failed=$((failed + 1))
    fi
done
exit $failed
