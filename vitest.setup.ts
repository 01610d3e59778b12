import fc from 'fast-check';

// fast-check's default size ('small') generates arrays of at most 10 elements, whatever their maxLength: a
// history of 50 operations in a property test would never be longer than 10. 'medium' reaches 100.
fc.configureGlobal({ baseSize: 'medium' });
