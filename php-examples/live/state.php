<?php
/**
 * The wallboard's picture now, as JSON: current channels and the queues with their waiting
 * callers, from amijson's named queries (channels, queues). Only the fields the page shows.
 */

declare(strict_types=1);

require_once __DIR__ . '/live.php';

header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');

function pick(array $record, array $keys): array
{
    $out = [];
    foreach ($keys as $key) {
        $out[$key] = $record[$key] ?? null;
    }
    return $out;
}

try {
    $channels = amijson(['channels'], ['records' => true]);
    $queues = amijson(['queues'], ['records' => true]);
} catch (AmijsonException $e) {
    http_response_code(502);
    // The error code only: a message may name the manager's address, which the browser never sees.
    echo json_encode(['error' => $e->getErrorCode()]);
    exit;
}
$calls = [];
foreach ($channels as $channel) {
    $calls[] = pick($channel, ['channel', 'state', 'caller_id_num', 'caller_id_name', 'extension', 'application',
                               'duration']);
}
$shown = [];
foreach ($queues as $queue) {
    $callers = [];
    foreach ($queue['callers'] ?? [] as $caller) {
        $callers[] = pick($caller, ['position', 'channel', 'caller_id_num', 'caller_id_name', 'wait']);
    }
    $shown[] = ['queue' => $queue['queue'], 'calls' => $queue['calls'] ?? count($callers), 'callers' => $callers];
}
echo json_encode(['calls' => $calls, 'queues' => $shown], JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
