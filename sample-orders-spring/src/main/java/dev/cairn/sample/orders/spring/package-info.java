/**
 * The sample order service as a Spring Boot application: the domain and read model of {@code
 * sample-orders}, wired by Cairn's starter, served by Spring MVC.
 */
@NullMarked
package dev.cairn.sample.orders.spring;

import org.jspecify.annotations.NullMarked;
