/** The servers behind the test kit: embedded, child-process and external PostgreSQL and Kafka. */
@NullMarked
package dev.cairn.testkit.internal;

import org.jspecify.annotations.NullMarked;
