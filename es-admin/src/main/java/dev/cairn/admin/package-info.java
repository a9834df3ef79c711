/**
 * Operate Cairn without writing code: the admin services over a store, relay(s) and projections,
 * the framework-neutral JSON API over them ({@link dev.cairn.admin.AdminApi}), its security and
 * audit log. See the module's README for the HTTP contract.
 */
@NullMarked
package dev.cairn.admin;

import org.jspecify.annotations.NullMarked;
