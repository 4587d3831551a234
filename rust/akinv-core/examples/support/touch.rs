//! Shared by the criterion bench and the `validate_corpus` example.

/// Visits every key and every scalar as a walker must, handing each scalar's bytes (a string's
/// contents, a number's text) to `scalar` and summing what it returns: the ceiling of any
/// jiter-based reader of a document that does that much with each scalar.
pub fn visit_all<F: FnMut(&[u8]) -> usize>(
    jiter: &mut jiter::Jiter<'_>,
    scalar: &mut F,
) -> jiter::JiterResult<usize> {
    let peek = jiter.peek()?;
    Ok(match peek {
        jiter::Peek::Object => {
            let mut n = 0;
            let mut key = jiter.next_object_bytes()?.map(<[u8]>::len);
            while let Some(len) = key {
                n += len + visit_all(jiter, scalar)?;
                key = jiter.next_key_bytes()?.map(<[u8]>::len);
            }
            n
        }
        jiter::Peek::Array => {
            let mut n = 0;
            let mut item = jiter.known_array()?;
            while item.is_some() {
                n += visit_all(jiter, scalar)?;
                item = jiter.array_step()?;
            }
            n
        }
        jiter::Peek::String => scalar(jiter.known_bytes()?),
        p if p.is_num() => scalar(jiter.known_number_bytes(p)?),
        p => {
            jiter.known_skip(p)?;
            0
        }
    })
}

/// [`visit_all`] doing nothing with the scalars.
pub fn touch_all(jiter: &mut jiter::Jiter<'_>) -> jiter::JiterResult<usize> {
    visit_all(jiter, &mut <[u8]>::len)
}
