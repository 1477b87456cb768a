<?php
/**
 * Before and after: the same "channels up now" page, first as it is often written (scraping
 * `asterisk -rx` text), then with amijson.
 *
 *     php php-examples/legacy-swap.php
 *
 * The old way needs the asterisk binary on the PBX itself, and the rights to its control socket
 * (usually root or the asterisk group, so the web server ends up in that group). It splits text on
 * '!' and trusts the column order, which breaks as soon as a field holds a '!' (Dial options,
 * URLs in application data) or the format changes between releases.
 * The sandbox exports AMIJSON_ASTERISK, a wrapper usable as `asterisk`; elsewhere `asterisk` on
 * PATH is used.
 */
require_once __DIR__ . '/amijson.php';

/** BEFORE: scrape `asterisk -rx "core show channels concise"`. */
function channels_before(): array
{
    $asterisk = getenv('AMIJSON_ASTERISK') ?: 'asterisk';
    $text = shell_exec(escapeshellarg($asterisk) . ' -rx "core show channels concise" 2>/dev/null');
    if (!is_string($text) || trim($text) === '' ) {
        // Also what an idle PBX looks like: the old way cannot tell "no channels" from "no asterisk".
        return [];
    }
    $names = [];
    foreach (explode("\n", trim($text)) as $line) {
        $fields = explode('!', $line);   // Channel!Context!Exten!Prio!State!App!Data!CID!...
        if (count($fields) > 1) {
            $names[] = $fields[0];
        }
    }
    return $names;
}

/** AFTER: the same list, from the records of `amijson --records action CoreShowChannels`. */
function channels_after(): array
{
    return array_column(amijson(['action', 'CoreShowChannels'], ['records' => true]), 'Channel');
}

$asterisk = getenv('AMIJSON_ASTERISK') ?: 'asterisk';
$reachable = strpos($asterisk, '/') !== false ? is_executable($asterisk)
                                              : trim((string) shell_exec('command -v asterisk 2>/dev/null')) !== '';
$before = $reachable ? channels_before() : null;
try {
    $after = channels_after();
} catch (AmijsonException $e) {
    fwrite(STDERR, "amijson failed: {$e->getErrorCode()}: {$e->getMessage()}\n");
    exit($e->getExitCode() ?: 1);
}
// Both sorted, so that the two lists compare line by line.
if ($before !== null) {
    sort($before);
}
sort($after);

fwrite(STDERR, $before === null
    ? "before: no asterisk binary reachable ($asterisk), skipped\n"
    : sprintf("before: %s -rx \"core show channels concise\" -> %d channels\n", $asterisk, count($before)));
fwrite(STDERR, sprintf("after:  amijson --records action CoreShowChannels -> %d channels\n", count($after)));
$result = ['before' => $before, 'after' => $after];
if ($before === null) {
    $result['note'] = "no asterisk binary reachable ($asterisk): the old way only works on the PBX itself";
}
echo json_encode($result, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
