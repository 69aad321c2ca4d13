package io.ssekit.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The Lua scripts that the bus runs on Redis, each atomic on the server.
 *
 * <p>Every entry that the publish script adds carries a {@code prev_id} field with the stream's
 * last generated id before it (absent on a stream's first entry). The replay script uses it to
 * recognise the id just before the oldest retained entry, whatever trimmed the entries before
 * it: Redis 7.0 does not record trimmed ids in {@code max-deleted-entry-id}, only deleted ones.
 *
 * <p>The scripts start with a {@code #!lua} line, which needs Redis 7.0 or newer. Stateless and
 * safe for concurrent use.
 */
final class StreamScripts {

  /** Field of an entry that contains the event type. */
  static final String TYPE_FIELD = "type";

  /** Field of an entry that contains the event's JSON data. */
  static final String DATA_FIELD = "data";

  /** Field of an entry that contains the video id; absent when the event has none. */
  static final String VIDEO_ID_FIELD = "video_id";

  /** Field of an entry that contains the id of the entry before it; absent on a stream's first. */
  static final String PREVIOUS_ID_FIELD = "prev_id";

  /** Number of script arguments per draft in {@link #PUBLISH}. */
  static final int ARGUMENTS_PER_DRAFT = 5;

  private static final String LAST_GENERATED_ID_FUNCTION = """
      local function lastGeneratedId(stream)
        if redis.call('EXISTS', stream) == 0 then
          return false
        end
        local info = redis.call('XINFO', 'STREAM', stream)
        for i = 1, #info, 2 do
          if info[i] == 'last-generated-id' then
            return info[i + 1]
          end
        end
        return false
      end
      """;

  /**
   * Publishes a batch. KEYS[1] is the stream and KEYS[2..] the idempotency keys. ARGV starts
   * with the approximate MAXLEN, the idempotency window in milliseconds and the MINID below
   * which entries are too old. Five values per draft follow: type, data, '1' or '0' for whether
   * it has a video id, the video id, and the index in KEYS of its idempotency key or 0. Returns
   * per draft {id} when added, or {id, type, data, video id or nil} of the original event when
   * its key was seen.
   *
   * <p>All commands that can fail on the data (a key of the wrong type) run before the first
   * write, and the {@code #!lua} line makes Redis check memory before the script starts, so a
   * batch is added whole or not at all: Redis does not roll back a script that fails halfway.
   */
  static final Script PUBLISH = new Script("#!lua\n" + LAST_GENERATED_ID_FUNCTION + """
      local stream = KEYS[1]
      local maxLength = ARGV[1]
      local windowMillis = ARGV[2]
      local minId = ARGV[3]
      local draftCount = (#ARGV - 3) / 5
      local previous = lastGeneratedId(stream)
      local originals = {}
      for i = 0, draftCount - 1 do
        local keyIndex = tonumber(ARGV[4 + i * 5 + 4])
        if keyIndex > 0 and originals[KEYS[keyIndex]] == nil then
          local stored = redis.call('HMGET', KEYS[keyIndex], 'id', 'type', 'data', 'video_id')
          originals[KEYS[keyIndex]] = stored[1] and stored or false
        end
      end
      local results = {}
      for i = 0, draftCount - 1 do
        local base = 4 + i * 5
        local eventType = ARGV[base]
        local data = ARGV[base + 1]
        local hasVideo = ARGV[base + 2] == '1'
        local videoId = ARGV[base + 3]
        local keyIndex = tonumber(ARGV[base + 4])
        local key = keyIndex > 0 and KEYS[keyIndex] or false
        if key and originals[key] then
          results[#results + 1] = originals[key]
        else
          local fields = {'type', eventType, 'data', data}
          if hasVideo then
            fields[#fields + 1] = 'video_id'
            fields[#fields + 1] = videoId
          end
          if previous then
            fields[#fields + 1] = 'prev_id'
            fields[#fields + 1] = previous
          end
          local id = redis.call('XADD', stream, 'MAXLEN', '~', maxLength, '*', unpack(fields))
          if key then
            local stored = {'id', id, 'type', eventType, 'data', data}
            if hasVideo then
              stored[#stored + 1] = 'video_id'
              stored[#stored + 1] = videoId
            end
            redis.call('HSET', key, unpack(stored))
            redis.call('PEXPIRE', key, windowMillis)
            originals[key] = {id, eventType, data, hasVideo and videoId or false}
          end
          previous = id
          results[#results + 1] = {id}
        end
      end
      if previous then
        redis.call('XTRIM', stream, 'MINID', '~', minId)
      end
      return results
      """);

  /**
   * Reads what follows an id. KEYS[1] is the stream and ARGV[1] the id. Returns
   * {'complete', last generated id, entries after the id} when the stream retains the id or its
   * oldest entry's {@code prev_id} is the id, and otherwise {'reset', last generated id or nil}.
   */
  static final Script REPLAY = new Script("#!lua flags=no-writes\n" + LAST_GENERATED_ID_FUNCTION + """
      local stream = KEYS[1]
      local after = ARGV[1]
      local lastGenerated = lastGeneratedId(stream)
      if not lastGenerated then
        return {'reset', false}
      end
      if #redis.call('XRANGE', stream, after, after) == 0 then
        local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
        if not oldest then
          return {'reset', lastGenerated}
        end
        local previous = false
        for i = 1, #oldest[2], 2 do
          if oldest[2][i] == 'prev_id' then
            previous = oldest[2][i + 1]
          end
        end
        if previous ~= after then
          return {'reset', lastGenerated}
        end
      end
      return {'complete', lastGenerated, redis.call('XRANGE', stream, '(' .. after, '+')}
      """);

  /** Returns the stream's last generated id, or nil when the stream does not exist. */
  static final Script LAST_GENERATED_ID = new Script("#!lua flags=no-writes\n"
      + LAST_GENERATED_ID_FUNCTION + "return lastGeneratedId(KEYS[1])\n");

  private StreamScripts() {}

  /** A script with its SHA-1 digest, run by digest and sent whole when Redis lacks it. */
  record Script(String source, String sha) {

    Script(String source) {
      this(source, sha1Hex(source));
    }

    /**
     * Runs the script on {@code commands} and returns its result as nested lists of strings,
     * longs and nulls.
     *
     * @throws io.lettuce.core.RedisException if Redis is unreachable or the script fails
     */
    List<Object> run(RedisCommands<String, String> commands, String[] keys, String... args) {
      try {
        return commands.evalsha(sha, ScriptOutputType.MULTI, keys, args);
      } catch (RedisNoScriptException e) {
        // Redis restarted, or its script cache was flushed: EVAL sends it and caches it again.
        return commands.eval(source, ScriptOutputType.MULTI, keys, args);
      }
    }

    /** Runs a script that returns one bulk string or nil. */
    @Nullable String runForValue(RedisCommands<String, String> commands, String[] keys, String... args) {
      try {
        return commands.evalsha(sha, ScriptOutputType.VALUE, keys, args);
      } catch (RedisNoScriptException e) {
        return commands.eval(source, ScriptOutputType.VALUE, keys, args);
      }
    }

    private static String sha1Hex(String source) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform supports SHA-1", e);
      }
    }
  }
}
