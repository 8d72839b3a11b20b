package dev.fluke.cluster;

/**
 * Marks a message that crosses cluster nodes: it is serialized with Jackson CBOR ({@code
 * fluke-cluster.conf} binds this interface to {@code jackson-cbor}). Java serialization is off in
 * cluster mode, so a message sent to another node without this marker fails loudly instead of being
 * sent in an unsafe format. Records work as they are; their fields must be Jackson-mappable.
 */
public interface CborSerializable {}
