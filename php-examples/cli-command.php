<?php
/**
 * Any CLI command, through AMI's Command action, as JSON.
 *
 *     php php-examples/cli-command.php                        pjsip show endpoints
 *     php php-examples/cli-command.php core show channels concise
 *
 * The arguments are joined into one command and given to `amijson command "..."` as ONE
 * argument (no shell parses it). When amijson has a parser for the command, the document's
 * `records` hold its rows (and `parser` names the parser): those are printed. Otherwise the
 * document's `output` lines are printed as they are.
 * The user needs the `command` class in manager.conf (read = ... command) for this.
 */
require_once __DIR__ . '/amijson.php';

$command = count($argv) > 1 ? implode(' ', array_slice($argv, 1)) : 'pjsip show endpoints';
try {
    $doc = amijson(['command', $command]);
} catch (AmijsonException $e) {
    amijson_example_fail($e, 'amijson command ' . escapeshellarg($command), ['command' => $command]);
}

if (!empty($doc['records'])) {
    $result = ['command' => $command, 'from' => 'records', 'parser' => $doc['parser'] ?? null,
               'records' => $doc['records']];
    $what = count($doc['records']) . ' records from parser ' . json_encode($doc['parser'] ?? null);
} else {
    $result = ['command' => $command, 'from' => 'output', 'output' => $doc['output'] ?? []];
    $what = count($doc['output'] ?? []) . ' output lines (no parser records)';
}
fwrite(STDERR, "ran: amijson command " . escapeshellarg($command) . " -> $what\n");
echo json_encode($result, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
