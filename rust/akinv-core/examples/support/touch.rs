//! Shared by the criterion bench and the `validate_corpus` example.

/// Visits every key and every scalar as a walker must, doing nothing with them: the ceiling of
/// any jiter-based reader of a document.
pub fn touch_all(jiter: &mut jiter::Jiter<'_>) -> jiter::JiterResult<usize> {
    let peek = jiter.peek()?;
    Ok(match peek {
        jiter::Peek::Object => {
            let mut n = 0;
            let mut key = jiter.next_object_bytes()?.map(<[u8]>::len);
            while let Some(len) = key {
                n += len + touch_all(jiter)?;
                key = jiter.next_key_bytes()?.map(<[u8]>::len);
            }
            n
        }
        jiter::Peek::Array => {
            let mut n = 0;
            let mut item = jiter.known_array()?;
            while item.is_some() {
                n += touch_all(jiter)?;
                item = jiter.array_step()?;
            }
            n
        }
        jiter::Peek::String => jiter.known_bytes()?.len(),
        p if p.is_num() => jiter.known_number_bytes(p)?.len(),
        p => {
            jiter.known_skip(p)?;
            0
        }
    })
}
