/**
 * A small, framework-neutral HTTP layer: a request ({@link dev.cairn.admin.http.ApiRequest})
 * goes in, a JSON answer ({@link dev.cairn.admin.http.ApiResponse}) comes out, through an
 * {@link dev.cairn.admin.http.ApiHandler} (such as a {@link
 * dev.cairn.admin.http.Router}). Handlers know no server: {@link
 * dev.cairn.admin.http.JettyServer} mounts them on Jetty 12's core server within {@link
 * dev.cairn.admin.http.HttpLimits}; an adapter for the JDK's HttpServer or a Spring MVC
 * controller would build the same request from its own and write the same answer back.
 *
 * <p>The split keeps what a protocol must guard (slow clients, body size, connection count,
 * overload) in the adapter, and what an API decides (routes, JSON, status codes) in the handlers.
 */
@NullMarked
package dev.cairn.admin.http;

import org.jspecify.annotations.NullMarked;
