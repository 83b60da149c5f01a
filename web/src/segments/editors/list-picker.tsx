// A tags-style picker of free values with suggestions, used by several editors.
import { Select } from 'antd';
import { asList, type Option } from './kit';

/** A list of free values with suggestions (categories, products, channels, templates): `undefined` when emptied. */
export function ListPicker({ value, onChange, options, placeholder, testid, width = 220 }: { value: unknown; onChange(v: string[] | undefined): void; options: Option[]; placeholder: string; testid: string; width?: number }) {
  return (
    <Select
      mode="tags"
      style={{ minWidth: width }}
      data-testid={testid}
      placeholder={placeholder}
      tokenSeparators={[',', '，']}
      value={asList(value)}
      onChange={(xs: string[]) => onChange(xs.length ? xs : undefined)}
      options={options}
    />
  );
}
