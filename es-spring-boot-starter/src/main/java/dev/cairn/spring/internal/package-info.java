/** The starter's implementation: lifecycles, health indicators, failure analysis, Kafka settings. */
@NullMarked
package dev.cairn.spring.internal;

import org.jspecify.annotations.NullMarked;
