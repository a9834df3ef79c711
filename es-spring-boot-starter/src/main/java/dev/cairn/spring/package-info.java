/**
 * Cairn for Spring Boot: the auto-configuration, its {@code cairn.*} properties, the aggregate
 * registration that gives each aggregate its repository bean, and the startup failures it
 * explains.
 */
@NullMarked
package dev.cairn.spring;

import org.jspecify.annotations.NullMarked;
