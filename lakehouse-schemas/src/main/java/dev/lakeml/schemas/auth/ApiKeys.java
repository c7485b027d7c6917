package dev.lakeml.schemas.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The API keys, shared by the serving API and the JDBC endpoint ({@code lakeml sql-server}): one
 * {@code name:key:role} per line (role {@code read} or {@code admin}; blank lines and {@code #}
 * comments ignored). Keys are kept only as SHA-256 digests and compared in constant time against
 * every entry, so neither timing nor a heap dump gives a key away; only the key's name is ever
 * logged.
 */
public final class ApiKeys {
  /** A key file or list that cannot be used; the message names the entry, never a key. */
  public static final class KeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KeyException(String message) {
      super(message);
    }
  }

  /** What a key may do. */
  public enum Role {
    READ,
    ADMIN;

    public boolean allows(Role required) {
      return this == ADMIN || required == READ;
    }
  }

  /** The caller a key identified. */
  public record Caller(String name, Role role) {}

  private record Entry(String name, byte[] digest, Role role) {}

  private final List<Entry> entries;

  private ApiKeys(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public int size() {
    return entries.size();
  }

  /** Reads keys from lines; {@code origin} names the source in errors (never the key). */
  public static ApiKeys parse(List<String> lines, String origin) {
    List<Entry> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split(":", -1);
      String where = origin + " entry " + (i + 1);
      if (parts.length != 3) {
        throw new KeyException(where + ": expected name:key:role (role read or admin)");
      }
      String name = parts[0].strip();
      String key = parts[1].strip();
      String role = parts[2].strip();
      if (name.isEmpty() || !names.add(name)) {
        throw new KeyException(where + ": the key name is empty or used twice ('" + name + "')");
      }
      if (key.length() < 16) {
        throw new KeyException(where + " ('" + name + "'): a key needs at least 16 characters");
      }
      Role r =
          switch (role) {
            case "read" -> Role.READ;
            case "admin" -> Role.ADMIN;
            default ->
                throw new KeyException(
                    where + " ('" + name + "'): role must be read or admin, found '" + role + "'");
          };
      byte[] digest = sha256(key);
      for (Entry other : out) {
        if (MessageDigest.isEqual(other.digest(), digest)) {
          // One key with two names would authenticate as whichever is listed first, and with two
          // roles it would be unclear which one applies: refuse it, naming both entries.
          throw new KeyException(
              where
                  + " ('"
                  + name
                  + "'): has the same key as '"
                  + other.name()
                  + "'; every entry needs its own key");
        }
      }
      out.add(new Entry(name, digest, r));
    }
    return new ApiKeys(out);
  }

  /** Keys from the file, or else from the inline list (entries separated by ',' or newlines). */
  public static ApiKeys load(Optional<Path> file, Optional<String> inline) {
    ApiKeys keys;
    if (file.isPresent()) {
      try {
        keys = parse(Files.readAllLines(file.get(), StandardCharsets.UTF_8), file.get().toString());
      } catch (IOException e) {
        throw new KeyException(
            "cannot read the API key file " + file.get() + ": " + e.getMessage());
      }
    } else if (inline.isPresent()) {
      keys = parse(List.of(inline.get().split("[,\\n]")), "LAKEML_API_KEYS");
    } else {
      throw new KeyException(
          "no API keys: pass --api-keys FILE (one name:key:role per line) or set LAKEML_API_KEYS");
    }
    if (keys.size() == 0) {
      throw new KeyException("the API key list is empty");
    }
    return keys;
  }

  /** The caller whose key this is; empty for an unknown key. Every entry is compared. */
  public Optional<Caller> authenticate(String presented) {
    byte[] digest = sha256(presented);
    Entry match = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest, digest) && match == null) {
        match = e;
      }
    }
    return match == null ? Optional.empty() : Optional.of(new Caller(match.name, match.role));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
