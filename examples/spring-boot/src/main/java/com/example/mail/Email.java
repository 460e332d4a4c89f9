package com.example.mail;

/** The payload of a {@code send_email} task, decoded from its JSON. */
public record Email(String to, String subject) {}
