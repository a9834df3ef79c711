/** es-admin's plumbing: JSON, request bodies, static files. Not an API. */
@NullMarked
package dev.cairn.admin.internal;

import org.jspecify.annotations.NullMarked;
