<?php
/**
 * amijson.php: call the amijson command from PHP and get its one JSON document as an array.
 *
 * No Composer, PHP 7.4 or newer. Include it and call amijson():
 *
 *     require __DIR__ . '/amijson.php';
 *     $channels = amijson(['action', 'CoreShowChannels'], ['records' => true]);
 *     $doc      = amijson(['command', 'core show version'], ['user' => 'monitor', 'secret' => $secret]);
 *     $queue    = amijson(['queues', $_GET['queue']]);   // a web form's value, safely: see below
 *
 * Values from web forms: $args starts with the verb ('action', 'command', a query such as
 * 'queues'); every element after the verb is data, never an option, whatever it starts with
 * (amijson's options end at the verb). So `amijson(['queues', '--host=elsewhere'])` asks for a
 * queue of that name and connects nowhere else. Put your own options in $opts (or before the verb,
 * never after it). A NUL byte in any value is refused here (AmijsonException 'usage'); CR, LF,
 * invalid UTF-8 and an empty filter (a form field left blank must not ask for every queue) are
 * refused by amijson with the same code.
 *
 * amijson() starts amijson with proc_open() and an argument ARRAY: no shell is involved, so no
 * argument is ever parsed or expanded by /bin/sh. The secret travels in the child's environment
 * (AMIJSON_SECRET), never in its argv, which every local user can read with ps or
 * /proc/PID/cmdline.
 *
 * amijson_shell() is the fallback for hosts that disable proc_open(): see its comment for what it
 * cannot do.
 */

/**
 * A failed run: Asterisk said Error, the login was refused, the host was unreachable, or
 * amijson did not print a JSON document at all.
 *
 * getErrorCode(): the document's error.code (auth, connect, action_failed, usage, timeout, ...),
 *                 or one of this library's own codes: not_found (no amijson executable),
 *                 start_failed (proc_open failed), bad_output (stdout was not one JSON document),
 *                 killed (the PHP-side watchdog stopped a run that outlived its timeout). The
 *                 library throws usage itself, with a null exit code and before starting anything,
 *                 for a value it cannot pass on: a NUL byte, an array (what ?q[]=x makes of $_GET['q']).
 * getExitCode():  amijson's exit code (see README: 1 action failed, 2 usage/config, 3 connect,
 *                 4 auth, 5 timeout, 6 protocol, 7 forbidden, 70 internal, 130 interrupted); null when not known, which is
 *                 always the case with amijson_shell().
 * getDocument():  the decoded error document, or null when there was none.
 */
class AmijsonException extends RuntimeException
{
    /** @var string */
    private $errorCode;
    /** @var int|null */
    private $exitCode;
    /** @var array|null */
    private $document;
    /** @var string */
    private $stderr;

    public function __construct(string $errorCode, string $message, ?int $exitCode = null,
                                ?array $document = null, string $stderr = '', ?Throwable $previous = null)
    {
        parent::__construct($message, 0, $previous);
        $this->errorCode = $errorCode;
        $this->exitCode = $exitCode;
        $this->document = $document;
        $this->stderr = $stderr;
    }

    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    public function getExitCode(): ?int
    {
        return $this->exitCode;
    }

    public function getDocument(): ?array
    {
        return $this->document;
    }

    /** What amijson wrote on standard error (diagnostics only; never part of the document). */
    public function getStderr(): string
    {
        return $this->stderr;
    }
}

/**
 * A run the profile's allow-list refused (error.code forbidden, exit 7): nothing was sent to
 * Asterisk. Its own class, so that a page can tell "not allowed here" from a PBX that failed.
 */
class AmijsonForbiddenException extends AmijsonException
{
}

/** opts key => environment variable amijson reads. */
const AMIJSON_OPT_ENV = [
    'host' => 'AMIJSON_HOST',
    'port' => 'AMIJSON_PORT',
    'http_port' => 'AMIJSON_HTTP_PORT',
    'user' => 'AMIJSON_USER',
    'secret' => 'AMIJSON_SECRET',
    'secret_file' => 'AMIJSON_SECRET_FILE',
    'timeout' => 'AMIJSON_TIMEOUT',
    'connect_timeout' => 'AMIJSON_CONNECT_TIMEOUT',
    'config' => 'AMIJSON_CONFIG',
    'profile' => 'AMIJSON_PROFILE',
    'tls' => 'AMIJSON_TLS',
    'cafile' => 'AMIJSON_CAFILE',
    'insecure' => 'AMIJSON_INSECURE',
    'auth' => 'AMIJSON_AUTH',
    'fallback_encoding' => 'AMIJSON_FALLBACK_ENCODING',
    'via' => 'AMIJSON_VIA',
    'http_prefix' => 'AMIJSON_HTTP_PREFIX',
    'asterisk' => 'AMIJSON_ASTERISK',
];

/**
 * Where a bare executable name is looked for after PATH: scripts/install links amijson into
 * /usr/local/bin, which a web server's PATH often leaves out.
 */
const AMIJSON_INSTALL_DIRS = ['/usr/local/bin'];

/**
 * The amijson executable: $binary if given, else $AMIJSON_BIN, else `amijson` found on PATH,
 * else in AMIJSON_INSTALL_DIRS. Throws AmijsonException('not_found') when there is none.
 */
function amijson_find_binary(?string $binary = null): string
{
    if ($binary === null || $binary === '') {
        $binary = (string) getenv('AMIJSON_BIN');
    }
    if ($binary === '') {
        $binary = 'amijson';
    }
    if (strpos($binary, '/') !== false) {
        if (is_file($binary) && is_executable($binary)) {
            return $binary;
        }
        throw new AmijsonException('not_found', "amijson executable not found or not executable: $binary");
    }
    // A bare name: look it up on PATH ourselves, for a clear error instead of a failed exec.
    // Web servers often run PHP with a short PATH (no /usr/local/bin), so the directory
    // scripts/install links into is looked in after PATH.
    $path = (string) getenv('PATH');
    if ($path === '') {
        $path = '/usr/local/bin:/usr/bin:/bin';
    }
    $dirs = explode(PATH_SEPARATOR, $path);
    foreach (AMIJSON_INSTALL_DIRS as $dir) {
        if (!in_array($dir, $dirs, true)) {
            $dirs[] = $dir;
        }
    }
    foreach ($dirs as $dir) {
        $candidate = ($dir === '' ? '.' : rtrim($dir, '/')) . '/' . $binary;
        if (is_file($candidate) && is_executable($candidate)) {
            return $candidate;
        }
    }
    throw new AmijsonException('not_found', "no '$binary' on PATH ($path) nor in " . implode(', ', AMIJSON_INSTALL_DIRS)
        . "; run scripts/install, or set AMIJSON_BIN or opts['binary']");
}

/** The longest deadline amijson takes (--timeout, AMIJSON_TIMEOUT): a day. */
const AMIJSON_MAX_TIMEOUT = 86400.0;

/**
 * The child's environment: PHP's own, with $opts (see amijson()) as AMIJSON_* variables.
 */
function amijson_child_env(array $opts): array
{
    $env = getenv();   // PHP's environment, as an array; proc_open's $env replaces it entirely
    foreach (AMIJSON_OPT_ENV as $name) {
        // Under mod_php, Apache's SetEnv values answer getenv('NAME') but are not in getenv().
        if (!isset($env[$name]) && ($value = getenv($name)) !== false) {
            $env[$name] = $value;
        }
    }
    foreach (AMIJSON_OPT_ENV as $key => $name) {
        if (!array_key_exists($key, $opts) || $opts[$key] === null) {
            continue;
        }
        $value = $opts[$key];
        if (is_bool($value)) {
            $value = $value ? '1' : '0';
        }
        $env[$name] = amijson_word($value, "opts['$key']");
    }
    foreach ($opts['env'] ?? [] as $name => $value) {
        $env[$name] = amijson_word($value, "opts['env'] value");
    }
    return $env;
}

/**
 * Watch events as they come: a generator over amijson's NDJSON stream (docs/events.md).
 *
 *     foreach (amijson_events(['Event=Newchannel', 'Event=Hangup'], ['--for', '60']) as $event) {
 *         echo $event['Event'], ' ', $event['Channel'], "\n";
 *     }
 *
 * $filters: FILTER operands (Header=value, Header=glob, Header!=value), data from a web form as
 * well: they come after the verb, never read as options. $options: amijson's own options, before
 * the verb (--count, --until, --for, --timeout, --reconnect...). $opts: as amijson()'s.
 * Yields each matching event's array and, where events were dropped or the connection was lost,
 * the gap marker (['gap' => [...]]); returns the summary (getReturn()). A run that fails throws
 * AmijsonException with the summary's error. Dropping the generator early (break, unset) ends
 * the child: its pipe closes, amijson logs off and exits, and it is waited for.
 */
function amijson_events(array $filters = [], array $options = [], array $opts = []): Generator
{
    $args = array_merge(amijson_words($options), ['--format', 'ndjson', 'events'], amijson_words($filters));
    // Its standard error goes nowhere: nobody reads it while the caller iterates at its own pace.
    [$proc, $pipes] = amijson_start($args, $opts, [], false);
    $summary = null;
    try {
        while (($line = fgets($pipes[1])) !== false) {
            $item = json_decode($line, true);
            if (!is_array($item)) {
                throw new AmijsonException('bad_output', 'amijson printed a line that is not JSON: ' . substr($line, 0, 200));
            }
            if (isset($item['summary'])) {
                $summary = $item['summary'];
                break;
            }
            yield $item;
        }
    } finally {
        // Also when the caller stops early: closing our end gives amijson EPIPE (it logs off and
        // exits 0); SIGTERM ends it as well should it be waiting for an event.
        fclose($pipes[1]);
        if ($summary === null) {
            proc_terminate($proc, 15);
        }
        $code = proc_close($proc);
    }
    if ($summary === null) {
        throw new AmijsonException('bad_output', "amijson's stream ended without its summary", $code);
    }
    if (empty($summary['ok'])) {
        $error = $summary['error'] ?? ['code' => 'bad_output', 'message' => 'failed'];
        throw new AmijsonException($error['code'], $error['message'], $code);
    }
    return $summary;
}

/**
 * Start amijson: [the process, its stdout and stderr pipes, the child's environment, $args as
 * words]. $args and $opts as for amijson(); $own are the library's own options, put before $args
 * (amijson reads options only before the verb); with $stderr false, its standard error goes to
 * /dev/null and there is no pipe 2. Throws AmijsonException before anything starts for a value
 * it cannot pass on, and when proc_open fails.
 */
function amijson_start(array $args, array $opts, array $own = [], bool $stderr = true): array
{
    $args = amijson_words($args);
    amijson_refuse_nul($args, $opts);
    $binary = amijson_find_binary(isset($opts['binary']) ? amijson_word($opts['binary'], "opts['binary']") : null);

    $env = amijson_child_env($opts);

    // The library's own options first: amijson reads options only before the verb.
    $command = array_merge([$binary], $own, $args);
    $descriptors = [
        0 => ['file', '/dev/null', 'r'],
        1 => ['pipe', 'w'],
        2 => $stderr ? ['pipe', 'w'] : ['file', '/dev/null', 'w'],
    ];
    $proc = @proc_open($command, $descriptors, $pipes, null, $env);
    if (!is_resource($proc)) {
        $err = error_get_last();
        throw new AmijsonException('start_failed', 'proc_open failed: ' . ($err['message'] ?? 'unknown error'));
    }
    return [$proc, $pipes, $env, $args];
}

/**
 * Run amijson once and return its document (or, with records, its records array).
 *
 * $args: amijson's arguments, one array element each, starting with the verb, e.g.
 *        ['action', 'QueueStatus', 'Queue=' . $queue], ['queues', $queue] or
 *        ['command', 'core show channels concise']. Your own options go in $opts or before the
 *        verb; every element after the verb is data, never an option (['queues', '--records']
 *        asks for a queue of that name). ['--records', 'action', ...] still works. Each element is
 *        a string (or an int, float, null, or object with __toString()); an array element or a
 *        NUL byte throws AmijsonException('usage') before anything starts. Never put a secret here.
 * $opts: 'host', 'port', 'http_port', 'user', 'secret', 'secret_file', 'timeout', 'connect_timeout', 'config',
 *        'profile', 'tls', 'cafile', 'insecure', 'auth', 'fallback_encoding', 'via' (auto, ami,
 *        http, rx), 'http_prefix', 'asterisk' (the executable for amijson's rx route) become the matching
 *        AMIJSON_* environment variables of the child (null or absent: inherited from PHP's own
 *        environment); 'records' => true prints only the records array (--records, placed before
 *        $args); 'binary' is the executable (else $AMIJSON_BIN, else amijson on PATH);
 *        'env' is an array of further environment variables.
 *
 * Throws AmijsonException when the document says ok=false, or the output is not JSON.
 */
function amijson(array $args, array $opts = []): array
{
    [$proc, $pipes, $env, $args] = amijson_start($args, $opts, !empty($opts['records']) ? ['--records'] : []);

    // Read stdout and stderr together, so a chatty stderr can never block the child.
    // amijson keeps its own deadline (--timeout, 10 s by default); the watchdog here only
    // catches a child that outlives it by a wide margin.
    $given = isset($env['AMIJSON_TIMEOUT']) && is_numeric(trim($env['AMIJSON_TIMEOUT']));
    $timeout = $given ? (float) trim($env['AMIJSON_TIMEOUT']) : 10.0;
    // Only an option counts (before the verb): a --timeout among the caller's values is data.
    $optionTimeout = amijson_option_value($args, '--timeout');
    if ($optionTimeout !== null && is_numeric(trim($optionTimeout))) {
        $timeout = (float) trim($optionTimeout);
        $given = true;
    }
    if (!$given) {
        // With no timeout of its own, an Originate's run lasts its Timeout and 5 s (docs/originate.md).
        $timeout = max($timeout, amijson_originate_seconds($args));
    }
    if (!is_finite($timeout) || $timeout <= 0.0) {
        $timeout = 10.0;   // amijson refuses such a timeout itself, at once, with a usage error
    }
    $deadline = microtime(true) + min($timeout, AMIJSON_MAX_TIMEOUT) + 15.0;
    $stdout = '';
    $stderr = '';
    $open = [1 => $pipes[1], 2 => $pipes[2]];
    foreach ($open as $pipe) {
        stream_set_blocking($pipe, false);
    }
    $killed = false;
    while ($open) {
        $left = $deadline - microtime(true);
        if ($left <= 0) {
            proc_terminate($proc, 9);
            $killed = true;
            break;
        }
        $ok = amijson_pump($open, $left, function (int $fd, string $chunk) use (&$stdout, &$stderr): void {
            if ($fd === 1) {
                $stdout .= $chunk;
            } else {
                $stderr .= $chunk;
            }
        });
        if (!$ok) {
            break;
        }
    }
    foreach ($open as $pipe) {
        fclose($pipe);
    }
    $exitCode = proc_close($proc);
    if ($killed) {
        throw new AmijsonException('killed', sprintf('amijson still ran %.0f s after its timeout; killed', 15.0),
                                   null, null, $stderr);
    }
    return amijson_decode($stdout, $exitCode, $stderr);
}

/**
 * Relay a stream of amijson's (['--format', 'sse', 'events', ...] or ndjson) to PHP's output as
 * it comes: each piece written and flushed at once, for a browser's EventSource. amijson runs
 * until its own bound. When the client goes away, or $relay['stop']() returns true, amijson gets
 * SIGTERM, ends its AMI session itself (Logoff) and is waited for: no child and no manager session
 * outlive the page. PHP learns that a client left only from a write that fails, so with
 * $relay['idle'] (for SSE, ":\n\n", a comment) that is written after each second with nothing
 * else to write, a closed page is noticed within two or three seconds. amijson's standard error
 * goes to $relay['stderr'] (a callable taking each piece), or is dropped. $args, $opts as for
 * amijson(). Returns amijson's exit code (null when PHP could not tell).
 */
function amijson_relay(array $args, array $opts = [], array $relay = []): ?int
{
    $stop = $relay['stop'] ?? null;
    $stderr = $relay['stderr'] ?? null;
    $idle = $relay['idle'] ?? null;
    [$proc, $pipes] = amijson_start($args, $opts);
    ignore_user_abort(true);   // the script goes on after the client left, so that it ends amijson
    $open = [1 => $pipes[1], 2 => $pipes[2]];
    foreach ($open as $pipe) {
        stream_set_blocking($pipe, false);
    }
    $stopped = null;   // when amijson was told to stop
    $wrote = microtime(true);
    while ($open) {
        $ok = amijson_pump($open, 1.0, function (int $fd, string $chunk) use ($stderr, &$wrote): void {
            if ($fd === 2) {
                if ($stderr !== null) {
                    $stderr($chunk);
                }
                return;
            }
            echo $chunk;
            @flush();
            $wrote = microtime(true);
        });
        if (!$ok) {
            break;
        }
        if ($idle !== null && $stopped === null && microtime(true) - $wrote >= 1.0) {
            echo $idle;
            @flush();
            $wrote = microtime(true);
        }
        if ($stopped === null && (connection_aborted() || ($stop !== null && $stop()))) {
            proc_terminate($proc, 15);   // amijson ends quietly on SIGTERM: summary, Logoff, exit 0
            $stopped = microtime(true);
        } elseif ($stopped !== null && microtime(true) - $stopped > 5.0) {
            proc_terminate($proc, 9);    // it should have ended by now: a child never outlives the page
        }
    }
    foreach ($open as $pipe) {
        fclose($pipe);
    }
    $code = proc_close($proc);
    return $code >= 0 ? $code : null;
}

/**
 * One round of reading a child's pipes ($open: fd => pipe, non-blocking): waits up to $seconds
 * for any to have data, hands each piece to $take(fd, piece), and closes and removes a pipe at
 * its end. False when select failed (the caller stops reading).
 */
function amijson_pump(array &$open, float $seconds, callable $take): bool
{
    $read = array_values($open);
    $write = null;
    $except = null;
    $whole = (int) $seconds;
    if (@stream_select($read, $write, $except, $whole, (int) (($seconds - $whole) * 1e6)) === false) {
        return false;
    }
    foreach ($read as $pipe) {
        $chunk = fread($pipe, 65536);
        $fd = array_search($pipe, $open, true);
        if ($chunk === false || ($chunk === '' && feof($pipe))) {
            fclose($pipe);
            unset($open[$fd]);
            continue;
        }
        $take($fd, $chunk);
    }
    return true;
}

/**
 * The value of option $name in $args, looking only at the options before the verb (or before
 * "--"), as amijson itself does; null when it is not given there.
 */
function amijson_option_value(array $args, string $name): ?string
{
    // amijson's options that take a value (the next word, or after "=").
    static $takesValue = ['--host', '--port', '--http-port', '--user', '--cafile', '--auth', '--timeout', '--connect-timeout',
                          '--events', '--max-size', '--profile', '--config', '--secret-file', '--fallback-encoding',
                          '--manager-conf', '--via', '--http-prefix', '--asterisk'];
    $found = null;
    for ($i = 0, $n = count($args); $i < $n; $i++) {
        $arg = (string) $args[$i];
        $eq = strpos($arg, '=');
        $key = $eq === false ? $arg : substr($arg, 0, $eq);
        if ($arg === '--' || $arg === '' || $arg[0] !== '-' || $arg === '-' || $key === '-rx' || $key === '-x') {
            break;   // the verb (-rx=CMD too): everything after it is data
        }
        $value = $eq === false ? null : substr($arg, $eq + 1);
        if ($eq === false && in_array($key, $takesValue, true)) {
            $value = $args[++$i] ?? null;
        }
        if ($key === $name) {
            $found = $value;
        }
    }
    return $found;
}

/**
 * What an Originate among $args gives amijson's deadline when no timeout is set: its Timeout
 * header (milliseconds, 30000 when absent) and 5 s, as amijson reckons it; 0.0 for anything else.
 */
function amijson_originate_seconds(array $args): float
{
    $words = array_values($args);
    for ($i = 0, $n = count($words); $i < $n; $i++) {
        $word = (string) $words[$i];
        if ($word === '--') {
            $i++;
            break;
        }
        if ($word === '' || $word[0] !== '-' || $word === '-') {
            break;
        }
        $key = explode('=', $word, 2)[0];
        if (strpos($word, '=') === false && in_array($key, ['--host', '--port', '--http-port', '--user', '--cafile',
                '--auth', '--timeout', '--connect-timeout', '--events', '--max-size', '--profile', '--config',
                '--secret-file', '--fallback-encoding', '--manager-conf', '--via', '--http-prefix', '--asterisk',
                '--format', '--warning', '--critical', '--output', '--console', '--profiles', '--parallel'], true)) {
            $i++;
        }
    }
    if (($words[$i] ?? null) !== 'action' || strtolower((string) ($words[$i + 1] ?? '')) !== 'originate') {
        return 0.0;
    }
    $ms = 30000;
    foreach (array_slice($words, $i + 2) as $pair) {
        [$key, $value] = array_pad(explode('=', (string) $pair, 2), 2, '');
        if (strtolower($key) === 'timeout') {
            $ms = ctype_digit(trim($value)) ? (int) trim($value) : 30000;
            break;
        }
    }
    return $ms / 1000.0 + 5.0;
}

/**
 * $args as the list of strings amijson gets. An element that has no string form amijson could
 * take is refused with AmijsonException('usage'): an array (a web form's ?queue[]=x makes one of
 * $_GET['queue']; PHP would warn and pass the word "Array"), an object with no __toString().
 */
function amijson_words(array $args): array
{
    $words = [];
    foreach (array_values($args) as $i => $arg) {
        $words[] = amijson_word($arg, 'argument ' . ($i + 1));
    }
    return $words;
}

/** One value as a string (see amijson_words()); $what names it in the usage error. */
function amijson_word($value, string $what): string
{
    if (!is_scalar($value) && $value !== null && !(is_object($value) && method_exists($value, '__toString'))) {
        throw new AmijsonException('usage', "$what is not a string but " . gettype($value));
    }
    return (string) $value;
}

/**
 * Refuse a NUL byte in any argument, option value or opts['env'] name or value before starting
 * amijson: PHP 8's proc_open throws a ValueError for it, PHP 7.4 cuts the word there. An
 * opts['env'] name that is empty or holds '=' would set another variable: refused too.
 */
function amijson_refuse_nul(array $args, array $opts): void
{
    foreach ($args as $i => $arg) {
        if (strpos((string) $arg, "\0") !== false) {
            throw new AmijsonException('usage', "argument " . ($i + 1) . " contains a NUL byte");
        }
    }
    $extra = isset($opts['env']) && is_array($opts['env']) ? $opts['env'] : [];
    foreach ([$opts, $extra] as $values) {
        foreach ($values as $key => $value) {
            if ((is_scalar($value) || (is_object($value) && method_exists($value, '__toString')))
                && strpos((string) $value, "\0") !== false) {
                throw new AmijsonException('usage', "option or environment value '" . str_replace("\0", '\\0', (string) $key)
                                           . "' contains a NUL byte");
            }
        }
    }
    foreach (array_keys($extra) as $name) {
        $name = (string) $name;
        if ($name === '' || strpos($name, "\0") !== false || strpos($name, '=') !== false) {
            throw new AmijsonException('usage', 'environment name ' . json_encode(str_replace("\0", '\\0', $name))
                                       . ' is empty or contains NUL or =');
        }
    }
}

/**
 * One word for /bin/sh, in single quotes, byte for byte. Unlike escapeshellarg(), it never drops
 * a byte: escapeshellarg() drops those that are not valid in the locale (under C, every non-ASCII
 * byte; under any locale, invalid UTF-8), so "\xff\xfe" became '' and a queue filter became none.
 * amijson itself then refuses invalid UTF-8 as usage.
 */
function amijson_shell_quote(string $word): string
{
    return "'" . str_replace("'", "'\\''", $word) . "'";
}

/**
 * Decode what amijson printed. A list (from --records) is returned as is when the exit code
 * allows it; a document with ok=false, or anything that is not JSON, becomes an AmijsonException.
 * A fleet (--profiles, a --host list) where some PBXes failed (exit 9, error code 'partial') is
 * returned, not thrown: check each $doc['pbxes'][$i]['ok'].
 */
function amijson_decode(?string $stdout, ?int $exitCode, string $stderr = ''): array
{
    if ($stdout === null || trim($stdout) === '') {
        $why = $exitCode === null ? 'no output' : "no output (exit code $exitCode)";
        $tail = trim(substr($stderr, -500));
        throw new AmijsonException('bad_output', "amijson printed nothing: $why" . ($tail !== '' ? ": $tail" : ''),
                                   $exitCode, null, $stderr);
    }
    try {
        $data = json_decode($stdout, true, 512, JSON_THROW_ON_ERROR);
    } catch (JsonException $e) {
        throw new AmijsonException('bad_output', 'amijson output is not JSON: ' . $e->getMessage(),
                                   $exitCode, null, $stderr, $e);
    }
    if (!is_array($data)) {
        throw new AmijsonException('bad_output', 'amijson output is not a JSON object or array', $exitCode,
                                   null, $stderr);
    }
    $isDocument = array_key_exists('ok', $data) && array_key_exists('error', $data);
    // Several PBXes (--profiles), some failed (exit 9): each failure is in its own document under
    // 'pbxes' (with --records, on stderr); the PBXes that answered are still an answer.
    $partial = $isDocument && array_key_exists('pbxes', $data) && ($data['error']['code'] ?? null) === 'partial';
    if (($exitCode === 9 && ($partial || !$isDocument)) || ($exitCode === null && $partial)) {
        return $data;
    }
    if ($isDocument && $data['ok'] !== true) {
        $error = is_array($data['error']) ? $data['error'] : [];
        $code = (string) ($error['code'] ?? 'unknown');
        $class = $code === 'forbidden' ? AmijsonForbiddenException::class : AmijsonException::class;
        throw new $class($code, (string) ($error['message'] ?? 'amijson reported a failure'), $exitCode, $data,
                         $stderr);
    }
    if ($exitCode !== null && $exitCode !== 0) {
        // A non-zero exit with a document that claims success (or a bare list) should not happen.
        throw new AmijsonException('bad_output', "amijson exited with $exitCode", $exitCode,
                                   $isDocument ? $data : null, $stderr);
    }
    return $data;
}

/**
 * The same call through shell_exec(), for hosts whose php.ini disables proc_open (disable_functions).
 *
 * Its limits:
 *  - shell_exec() gives no exit code. Success or failure is read from the output alone: a document
 *    with ok=false throws, with getExitCode() === null. No output at all (amijson missing, or
 *    killed) also throws, as bad_output, without saying why.
 *  - It runs /bin/sh -c "COMMAND LINE", so it puts every argument in single quotes, byte for
 *    byte (amijson_shell_quote(); not escapeshellarg(), which drops bytes it finds invalid in the
 *    locale). $args follow the same rules as amijson()'s: options before the verb, data after.
 *  - It cannot hand a secret to the child privately: the only channel would be the command line
 *    (`AMIJSON_SECRET=... amijson` is in /bin/sh's argv, readable by every user). So it takes no
 *    secret at all. The secret must already be where amijson looks: AMIJSON_SECRET or
 *    AMIJSON_SECRET_FILE in the web server's environment (e.g. PHP-FPM's env[AMIJSON_SECRET] in
 *    the pool config, with clear_env), or a 0600 config file of the web server's user
 *    (~/.config/amijson/config, /etc/amijson.conf, or $opts['config']).
 *  - amijson's standard error is not captured: it goes to PHP's standard error (the server log).
 *
 * $opts: 'binary', 'records', plus the non-secret settings 'host', 'port', 'user', 'timeout', 'config',
 *        'profile', which become command-line options (--host ...) before $args. 'secret' is refused.
 */
function amijson_shell(array $args, array $opts = []): array
{
    if (isset($opts['secret'])) {
        throw new InvalidArgumentException(
            'amijson_shell() cannot pass a secret without putting it on a command line; '
            . 'put it in the environment or a 0600 config file');
    }
    $binary = amijson_word($opts['binary'] ?? '', "opts['binary']");
    if ($binary === '') {
        $binary = (string) getenv('AMIJSON_BIN');
    }
    if ($binary === '') {
        // Found as amijson() finds it (PATH, then AMIJSON_INSTALL_DIRS); else /bin/sh's PATH decides.
        try {
            $binary = amijson_find_binary('amijson');
        } catch (AmijsonException $e) {
            $binary = 'amijson';
        }
    }
    $args = amijson_words($args);
    amijson_refuse_nul($args, $opts);
    // Options first, the caller's values after the verb: amijson reads options only before it.
    $line = [amijson_shell_quote($binary)];
    if (!empty($opts['records'])) {
        $line[] = '--records';
    }
    foreach (['host', 'port', 'user', 'timeout', 'config', 'profile'] as $key) {
        if (isset($opts[$key])) {
            $line[] = '--' . $key;
            $line[] = amijson_shell_quote(amijson_word($opts[$key], "opts['$key']"));
        }
    }
    foreach ($args as $arg) {
        $line[] = amijson_shell_quote($arg);
    }
    $out = shell_exec(implode(' ', $line) . ' </dev/null');
    return amijson_decode(is_string($out) ? $out : null, null);
}


/**
 * For the command-line examples: report a failed run on stderr and as JSON on
 * stdout (plus any $context keys), then exit with amijson's exit code.
 */
function amijson_example_fail(AmijsonException $e, string $what, array $context = []): void
{
    fwrite(STDERR, "$what failed: {$e->getErrorCode()}: {$e->getMessage()}\n");
    echo json_encode($context + ['error' => ['code' => $e->getErrorCode(), 'message' => $e->getMessage(),
                                             'exit_code' => $e->getExitCode()]], JSON_PRETTY_PRINT), "\n";
    exit($e->getExitCode() ?: 1);
}
