package dev.fluke.http;

/**
 * The body of every error the API answers with: {@code {"error": "agent 'web-09' not found",
 * "status": 404}}. The CLI's client reads it back to show the server's own message.
 */
public record ApiError(String error, int status) {}
