/** es-admin's plumbing: JSON, request bodies, static files. Not an API. */
package dev.cairn.admin.internal;
