package dev.cairn.api;

/**
 * An event turned into JSON, with its logical name and revision.
 *
 * @param eventType the logical type name
 * @param revision the revision of the type's shape
 * @param json the payload
 */
public record SerializedEvent(String eventType, int revision, String json) {}
