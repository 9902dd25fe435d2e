/** Internals of the Avro decoder: plans, the plan cache, wire primitives and the schema providers. */
package io.freshet.kafka.avro.internal;
