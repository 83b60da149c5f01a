// Loading, empty and error states shared by every page, and the data hook that drives them.
import { useCallback, useEffect, useRef, useState, type DependencyList, type ReactNode } from 'react';
import { Alert, Button, Empty, Spin } from 'antd';
import { ApiError } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when deps change (aborting the previous call), keeping the last data while reloading. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loadRef.current(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (error) => !ctl.signal.aborted && (error as Error)?.name !== 'AbortError' && setState({ error, loading: false }),
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** The plain-language explanation of an API error, by HTTP status. */
export function errorText(e: unknown, t: (k: MessageKey) => string): { summary: string; code: string; message: string; field?: string } {
  if (e instanceof ApiError) {
    const summary =
      e.status === 0 ? t('error.network')
      : e.status === 401 ? t('error.unauthorized')
      : e.status === 403 ? t('error.forbidden')
      : e.status === 404 ? t('error.notFound')
      : e.status >= 500 ? t('error.server')
      : t('error.invalid');
    return { summary, code: e.code, message: e.message, field: e.field };
  }
  return { summary: t('error.server'), code: 'client.error', message: String((e as Error)?.message ?? e) };
}

export function ErrorAlert({ error, onRetry, compact }: { error: unknown; onRetry?: () => void; compact?: boolean }) {
  const { t } = useI18n();
  const x = errorText(error, t);
  return (
    <Alert
      type="error"
      showIcon
      data-testid="api-error"
      message={x.summary}
      description={
        <div>
          <div>{x.message}</div>
          {!compact && (
            <div style={{ color: '#888', marginTop: 4, fontSize: 12 }}>
              {t('error.code')}: <code>{x.code}</code>
              {x.field ? <> · {t('error.field')}: <code>{x.field}</code></> : null}
            </div>
          )}
        </div>
      }
      action={onRetry ? <Button size="small" onClick={onRetry}>{t('common.retry')}</Button> : undefined}
    />
  );
}

/** Shows a spinner on first load, the error with a retry, an empty state, or the content. */
export function Async<T>({ state, empty, children, minHeight = 120 }: { state: Loaded<T>; empty?: (d: T) => boolean; children: (d: T) => ReactNode; minHeight?: number }) {
  const { t } = useI18n();
  if (state.error) return <ErrorAlert error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) {
    return (
      <div style={{ minHeight, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
        <Spin tip={t('common.loading')}><div style={{ width: 80 }} /></Spin>
      </div>
    );
  }
  if (empty?.(state.data)) return <Empty description={t('common.empty')} />;
  return <Spin spinning={state.loading}>{children(state.data)}</Spin>;
}
