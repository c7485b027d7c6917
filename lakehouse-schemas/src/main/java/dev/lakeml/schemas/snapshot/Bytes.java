package dev.lakeml.schemas.snapshot;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HexFormat;

/** Big-endian reads and writes on byte arrays, and short hex for messages. */
public final class Bytes {
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private Bytes() {}

  public static void putLong(byte[] b, int pos, long v) {
    LONG.set(b, pos, v);
  }

  public static long getLong(byte[] b, int pos) {
    return (long) LONG.get(b, pos);
  }

  public static void putInt(byte[] b, int pos, int v) {
    INT.set(b, pos, v);
  }

  public static int getInt(byte[] b, int pos) {
    return (int) INT.get(b, pos);
  }

  /** Hex of the first 48 bytes, with the total length when cut, for error messages. */
  public static String hex(byte[] b) {
    if (b.length <= 48) {
      return HexFormat.of().formatHex(b);
    }
    return HexFormat.of().formatHex(b, 0, 48) + "... (" + b.length + " bytes)";
  }
}
